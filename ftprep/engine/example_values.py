"""Documented example and test values: a rule's match that is one of them is no finding.

Tutorials, API references and the docs in training data quote these values on
purpose; none is a live key or a person's data. The list is applied after a
rule matches, as gitleaks' allowlists are: its `aws-access-token` rule carries
`[[rules.allowlists]] regexes = ['''.+EXAMPLE$''']` (config/gitleaks.toml) so
that AWS's documentation key is not a leak. Only values that a provider, a
payment network or a standard publishes as examples are here, never a shape
("all zeros", "1234..."): a value one digit off, with its check digit valid,
is a finding again.
"""

from __future__ import annotations

import base64
import json
import re

# A credential whose value holds "EXAMPLE" in capitals after a prefix: AWS's documentation
# keys (AKIAIOSFODNN7EXAMPLE, AKIAI44QH8DHBEXAMPLE, wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY),
# gitleaks' `.+EXAMPLE$` widened to the secret keys, which go on after it ("EXAMPLEKEY").
# A random key of 16+ characters holds the seven letters by chance about once in 10^10.
_EXAMPLE = re.compile(r".EXAMPLE")

# Test card numbers (PANs) the payment processors publish for their sandboxes: each
# passes the Luhn check, and none is issued to a cardholder.
TEST_CARDS = frozenset({
    # Stripe, docs.stripe.com/testing ("Cards by brand", "Declined payments", 3-D Secure)
    "4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222", "5200828282828210",
    "5105105105105100", "378282246310005", "371449635398431", "6011111111111117", "6011000990139424",
    "6011981111111113", "3056930009020004", "36227206271667", "3566002020360505",
    "4000002500003155", "4000000000003220", "4000000000000002", "4000000000009995", "4000000000000077",
    # Braintree, developer.paypal.com/braintree/docs/guides/credit-cards/testing-go-live
    "4111111111111111", "4005519200000004", "4009348888881881", "4012000033330026", "4012000077777777",
    "4012888888881881", "4217651111111119", "4500600000000061", "2223000048400011", "3530111333300000",
    # Adyen, docs.adyen.com/development-resources/testing/test-card-numbers
    "4111111145551142", "5555341244441115", "2222400070000005", "370000000000002", "6011601160116611",
    "3569990010095841",
    # PayPal's classic sandbox list (the 13-digit Visa among them)
    "4222222222222", "5431111111111111",
})

# Example IBANs: the ISO 13616 / SWIFT IBAN Registry's example of each country, and the
# ECBS's (GB82 WEST..., which Wikipedia's IBAN article also shows). Each passes mod 97.
EXAMPLE_IBANS = frozenset({
    "DE89370400440532013000", "GB29NWBK60161331926819", "GB82WEST12345698765432",
    "FR1420041010050500013M02606", "FR7630006000011234567890189", "NL91ABNA0417164300",
    "BE68539007547034", "ES9121000418450200051332", "IT60X0542811101000000123456",
    "CH9300762011623852957", "AT611904300234573201", "NO9386011117947", "DK5000400440116243",
    "FI2112345600000785", "SE4550000000058398257466", "PL61109010140000071219812874",
    "IE29AIBK93115212345678", "LU280019400644750000", "PT50000201231234567890154",
    "SA0380000000608010167519",
})

# jwt.io's example token's claims (its payload, whatever the key it is signed with).
_JWT_CLAIMS = {"sub": "1234567890", "name": "John Doe"}


def _fictional_phone(value: str) -> bool:
    """NANP's fictional range: exchange 555, lines 0100-0199, any area code (ATIS/NANPA:
    555-0100 through 555-0199 are reserved for fictional use)."""
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    return len(digits) == 10 and digits[3:6] == "555" and digits[6:8] == "01"


def _jwt_example(value: str) -> bool:
    parts = value.split(".")
    if len(parts) < 2:
        return False
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(claims, dict) and all(claims.get(k) == v for k, v in _JWT_CLAIMS.items())


def documented(code: str, label: str, value: str) -> bool:
    """Whether `value`, which the rule of `code` (its placeholder `label`) matched, is a
    published example or test value rather than a real one."""
    if code == "Q010":
        if label == "JWT":
            return _jwt_example(value)
        return _EXAMPLE.search(value) is not None
    if code == "Q013":
        return re.sub(r"\D", "", value) in TEST_CARDS
    if code == "Q014":
        return value.replace(" ", "").upper() in EXAMPLE_IBANS
    if code == "Q012":
        return _fictional_phone(value)
    return False


__all__ = ["EXAMPLE_IBANS", "TEST_CARDS", "documented"]
