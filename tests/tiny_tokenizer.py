"""A small byte-level BPE tokenizer trained in the test on a few sentences, with a
template's special tokens whole: real `tokenizers` encoding, nothing from a hub."""

from __future__ import annotations

from ftprep.templates import TEMPLATES


def trained(template: str, corpus: list[str], vocab: int):  # type: ignore[no-untyped-def]
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    spec = TEMPLATES[template]
    specials = list(dict.fromkeys([*spec.specials, *([spec.bos] if spec.bos else []), spec.eos]))
    trainer = trainers.BpeTrainer(vocab_size=vocab, special_tokens=specials, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(corpus, trainer)
    return tok
