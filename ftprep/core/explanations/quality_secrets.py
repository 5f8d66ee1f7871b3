"""Explanations of the secrets and personal-data codes (Q010-Q015)."""

from __future__ import annotations

_WHY_PII = ("The text is trained as it is and pushed to the Hub with the dataset: a model repeats rare strings "
            "it has seen, so personal data in training text can be extracted from the model (and read in the "
            "dataset repo).")

ENTRIES: dict[str, tuple[str, str, str, str]] = {
    "Q010": (
        "A text of the row holds a credential: a key or token in a provider's format (detect-secrets' plugin "
        "rules, plus GCP, Anthropic, OpenAI project, Hugging Face and GitHub fine-grained formats), a private "
        "key block, a JSON Web Token, a password in a URL, or a random-looking value after a name such as "
        "api_key= or X-API-Key:. The report shows only a masked preview, never the key. Documented example values "
        "are not reported (AWS's AKIA...EXAMPLE keys, jwt.io's token, the processors' test cards, the "
        "registry's example IBANs, NANP's fictional 555-0100 to 555-0199): docs quote them on purpose.",
        "The text is tokenised and trained: a model memorises rare strings, and a key trained into it can be "
        "extracted by prompting. The dataset is also uploaded to the Hub, so the key leaves your machine.",
        '{"messages": [{"role": "user", "content": "Fix my script"}, '
        '{"role": "assistant", "content": "Set AWS_ACCESS_KEY_ID=AKIA...LE and run it."}]}',
        "Revoke the key (it may already be exposed), then remove it, or run ftprep convert --redact, which "
        "writes a typed placeholder such as <AWS_ACCESS_KEY>.",
    ),
    "Q011": (
        "Training text holds e-mail addresses. Documentation domains (example.com, .test, .invalid, "
        "localhost) are not reported. One finding per file and column, with the count and the first lines.",
        _WHY_PII + " Here: an e-mail address is a person's identifier: a model that repeats it leaks it, and spam or phishing follows.",
        '{"instruction": "Who do I contact?", "output": "Write to jo.bloggs@acme-mail.net."}',
        "Remove or replace them, or run ftprep convert --redact (writes <EMAIL>); --ignore Q011 if they are "
        "meant to be there (a company's public support address).",
    ),
    "Q012": (
        "Training text holds valid phone numbers (Google's libphonenumber through `phonenumbers`; numbers "
        "without a country code are read as US numbers). One finding per file and column, with the count.",
        _WHY_PII + " Here: a phone number reaches a person directly, and a model asked for 'a number to call' may answer with it.",
        '{"instruction": "Call whom?", "output": "Call Jane at +44 20 7946 0958."}',
        "Remove or replace them, or run ftprep convert --redact (writes <PHONE>).",
    ),
    "Q013": (
        "Training text holds payment card numbers: 13 to 19 digits with an issuer's prefix and a valid Luhn "
        "check digit. One finding per file and column, with the count.",
        _WHY_PII + " Here: a card number with its check digit valid can be charged; a payment card in training data breaks PCI DSS rules on storing it.",
        '{"instruction": "Pay with?", "output": "Use card 5376 0412 9835 7020."}',
        "Remove them, or run ftprep convert --redact (writes <CARD_NUMBER>).",
    ),
    "Q014": (
        "Training text holds IBANs: a country code, check digits and an account number whose ISO 13616 "
        "mod-97 check holds. One finding per file and column, with the count.",
        _WHY_PII + " Here: an IBAN with a valid check identifies a real bank account, and with a name it is enough for fraudulent direct debits.",
        '{"instruction": "Bank details?", "output": "IBAN GB66 NWBK 4012 7761 3092 85."}',
        "Remove them, or run ftprep convert --redact (writes <IBAN>).",
    ),
    "Q015": (
        "Training text holds public IPv4 addresses; private, loopback, link-local and documentation ranges "
        "(192.168.0.0/16, 10.0.0.0/8, 203.0.113.0/24 ...) are not reported. A version number of four parts "
        "(1.2.3.4) reads as an address too: --ignore Q015 when the text is about software versions.",
        _WHY_PII + " Here: a public address can name a person's home connection or a company's server, which the model may then suggest to anyone.",
        '{"instruction": "Server?", "output": "ssh into 9.9.9.9 as root."}',
        "Remove them, or run ftprep convert --redact (writes <IP_ADDRESS>).",
    ),
    "Q016": (
        "ftprep convert --redact replaced the credentials and personal data it found (the rules of Q010 to "
        "Q015) with typed placeholders such as <EMAIL> or <AWS_ACCESS_KEY>; the finding counts the rows and "
        "each placeholder. Every string of the converted row is redacted, not only the trained ones.",
        "The converted file trains the placeholder instead of the value, so the model learns the shape of an "
        "answer without memorising a person's data or a live key; the placeholders are ordinary text to the "
        "tokenizer (a few tokens each).",
        'ftprep convert in.jsonl -o out.jsonl --redact turns\n'
        '{"instruction": "Who do I write to?", "output": "Write to jo.bloggs@acme-mail.net."}\ninto\n'
        '{"instruction": "Who do I write to?", "output": "Write to <EMAIL>."}',
        "Nothing to fix: read a few converted rows to check the answers still read well, and revoke any key "
        "that was in the source (it may already be exposed).",
    ),
}
