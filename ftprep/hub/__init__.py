"""The Hugging Face Hub side of `ftprep push`.

    upload.py   the repo layout ftprep owns, the HfApi client, one commit of a staged folder,
                and the client's failures turned into HubError with a next step
    card.py     the dataset card: YAML `configs` for the trainer and the viewer, the job fields, the check

It is handed a folder laid out as the repo will be and the `Conversion` that
wrote it; checking and converting the data is the verb's (`ftprep.verbs.push`).
"""
