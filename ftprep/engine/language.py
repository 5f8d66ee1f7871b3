"""The language of an answer against its question's, offline.

The detector is py3langid (langid.py's model, 97 languages, shipped inside the
wheel: nothing is downloaded at run time; numpy only). Measured on 900
two-sentence texts in six languages (en fr de es it pt): 100% right, ~6,900
texts/s warm for the top language, ~2,300/s for the full ranking used here;
lingua-language-detector (low accuracy mode, also 100%) gave ~700 texts/s with
its confidences, langdetect is pure Python and slower still. On 300
same-language and 300 cross-language pairs of those texts, `mismatch` flagged
0 and 279 (the rest not sure enough), at 1,000-3,500 pairs/s: hence the
sample. The fixed cost is the model's load (an xz-compressed numpy file,
~1-2 s and ~95 MB), paid once per process and only by the process that
judges (ftprep.engine.pairs_quality judges in the parent, after the scan, and
only when some pair is long enough and Q031 is reported).

What is judged is prose (`prose`): code blocks, inline code, math, links and
tags are cut out first, and a text left with fewer than `MIN_CHARS` letters,
with many code symbols (code without fences, formulas) or mostly capitalised
words (lists of names, titles: the detector reads names as their country's
language) is not judged. The question's language must have a normalised
probability of `CONFIDENCE` or more, and the answer's probability of being in
that language must be under 1 - CONFIDENCE. The answer is held to "surely not
the question's language" rather than "surely language X": langid spreads
close languages (Spanish, Portuguese, Galician) over each other, which puts a
plain Spanish sentence near 0.9 for Spanish while it is at 0.00 for English.
A question that asks for a translation, names another language ("answer in
French", "en español"), or has a part in a language the answer may be in (a
mixed prompt: an English instruction over a German text) is not a mismatch.
"""

from __future__ import annotations

import functools
import re
import typing as t

# Below this many letters a side is not judged: a greeting or a number tells no language.
MIN_CHARS = 40
# Both sides must be identified at least this sure (normalised probability).
CONFIDENCE = 0.95
# Pairs sampled per file at most (a bottom-k sample by a key of their texts,
# ftprep.engine.language_sample): ~1 ms a pair to judge.
SAMPLE = 500
# Characters of each side kept for the detector (the question's head and tail):
# the language shows in a few sentences, and the sample stays small to send.
HEAD = 1000
# Above this share of code symbols (brackets and operators) a text is code or a
# formula, not prose (measured: prose with a parenthesis 2-3%, short Python, JS and
# SQL snippets 7-13%, with or without comments in prose).
SYMBOLS = 0.05
# Above this share of capitalised words a text is a list of names or a title
# (German prose, which capitalises nouns, stays near 30-50%).
CAPITALISED = 0.6
# A part of a question with this many letters is asked its own language (mixed prompts).
PART_LETTERS = 20

_CUT = re.compile(r"```.*?(?:```|\Z)|~~~.*?(?:~~~|\Z)|`[^`\n]*`"  # code
                  r"|\$\$.*?(?:\$\$|\Z)|\$[^$\n]+\$|\\\[.*?\\\]|\\\(.*?\\\)"  # math
                  r"|https?://\S+|www\.\S+|\S+@\S+|<[^<>\n]{1,200}>", re.S)  # links, addresses, tags
_SYMBOL = frozenset("(){}[]<>=;_$#\\|*/+&^%~`@")
_WORD = re.compile(r"[^\W\d_]+")
_PARTS = re.compile(r"[\n:;.!?\"«»“”„「」]+")
# Translation verbs (stems) in the languages people write prompts in.
_TRANSLATE = re.compile(
    "translat|tradu|übersetz|vertaal|tłumacz|přelož|preklad|översätt|oversæt|oversett|käännä|fordít|traduz|"
    "перевед|перевод|перекла|μετάφρασ|תרגמ|תרגם|ترجم|अनुवाद|terjemah|dịch sang|bản dịch|çevir|翻译|翻譯|翻訳|訳して|번역")
# Language names as prompts write them (English, the language's own, a few neighbours'), by langid code.
NAMES: dict[str, tuple[str, ...]] = {
    "en": ("english", "anglais", "englisch", "inglés", "ingles", "inglese", "inglês", "engels", "angielsk",
           "английск", "英语", "英語", "英文", "영어"),
    "fr": ("french", "français", "francais", "französisch", "francés", "frances", "francese", "francês", "frans",
           "francusk", "французск", "法语", "法語", "フランス語", "프랑스어"),
    "de": ("german", "deutsch", "allemand", "alemán", "aleman", "tedesco", "alemão", "duits", "niemieck", "немецк",
           "德语", "德語", "ドイツ語", "독일어"),
    "es": ("spanish", "español", "espanol", "espagnol", "spanisch", "spagnolo", "espanhol", "spaans", "hiszpańsk",
           "испанск", "西班牙语", "西班牙語", "スペイン語", "스페인어"),
    "it": ("italian", "italien", "italienisch", "italiano", "italiaans", "włosk", "итальянск", "意大利语", "イタリア語"),
    "pt": ("portuguese", "portugais", "portugiesisch", "portugués", "portugues", "portoghese", "português",
           "portugees", "португальск", "葡萄牙语", "ポルトガル語"),
    "nl": ("dutch", "néerlandais", "niederländisch", "holländisch", "neerlandés", "olandese", "nederlands"),
    "ru": ("russian", "russe", "russisch", "ruso", "russo", "rosyjsk", "русск", "по-русски", "俄语", "ロシア語"),
    "zh": ("chinese", "chinois", "chinesisch", "chino", "cinese", "chinês", "mandarin", "китайск", "中文", "汉语",
           "漢語", "普通话", "中国語", "중국어"),
    "ja": ("japanese", "japonais", "japanisch", "japonés", "giapponese", "japonês", "японск", "日语", "日語",
           "日本語", "일본어"),
    "ko": ("korean", "coréen", "koreanisch", "coreano", "корейск", "韩语", "韓語", "韓国語", "한국어"),
    "ar": ("arabic", "arabe", "arabisch", "árabe", "arabo", "арабск", "阿拉伯语", "العربية"),
    "hi": ("hindi", "हिंदी", "हिन्दी"),
    "tr": ("turkish", "turc", "türkisch", "turco", "türkçe", "турецк"),
    "pl": ("polish", "polonais", "polnisch", "polaco", "polacco", "polski", "польск"),
    "uk": ("ukrainian", "ukrainien", "ukrainisch", "ucraniano", "українськ", "украинск"),
    "sv": ("swedish", "suédois", "schwedisch", "sueco", "svedese", "svenska"),
    "vi": ("vietnamese", "vietnamien", "vietnamesisch", "vietnamita", "tiếng việt"),
    "id": ("indonesian", "indonésien", "indonesisch", "bahasa indonesia"),
    "el": ("greek", "grec", "griechisch", "griego", "greco", "ελληνικ"),
}
_NAMED = re.compile("|".join(sorted((re.escape(n) for ns in NAMES.values() for n in ns), key=len, reverse=True)))
_CODE_OF = {n: code for code, ns in NAMES.items() for n in ns}
NONE: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=1)
def _identifier() -> t.Any:
    from ftprep.engine import language_model

    return language_model.identifier()


def loaded() -> bool:
    """Whether this process has loaded the model."""
    return _identifier.cache_info().currsize > 0


def letters(text: str) -> int:
    return sum(map(str.isalpha, text))


def prose(text: str, tail: bool = False) -> str | None:
    """The part of a text the detector reads: without code, math, links and tags, at
    most HEAD characters (`tail`: the head and the tail, where a question's instruction
    often is); None when what is left is no prose to judge."""
    if len(text) > 4 * HEAD:  # long texts: judged on their ends, and cut before the regex runs
        text = text[:2 * HEAD] + "\n" + text[-2 * HEAD:] if tail else text[:2 * HEAD]
    text = _CUT.sub(" ", text)
    if len(text) > HEAD:
        text = text[:HEAD // 2] + "\n" + text[-HEAD // 2:] if tail else text[:HEAD]
    if len(text) < MIN_CHARS or letters(text) < MIN_CHARS:
        return None
    if sum(map(_SYMBOL.__contains__, text)) > SYMBOLS * len(text):
        return None
    words = _WORD.findall(text)
    if sum(1 for w in words if w[0].isupper()) > CAPITALISED * len(words):
        return None
    return text


def asks_for_translation(text: str) -> bool:
    return _TRANSLATE.search(text.lower()) is not None


def named_languages(text: str) -> frozenset[str]:
    """The languages a text names ("in French", "en español"), as langid codes."""
    found = _NAMED.findall(text.lower())
    return frozenset(map(_CODE_OF.__getitem__, found)) if found else NONE


def ranking(text: str) -> list[tuple[str, float]] | None:
    """Every language with its normalised probability, likeliest first; None below MIN_CHARS letters."""
    if len(text) < MIN_CHARS or letters(text) < MIN_CHARS:
        return None
    return [(str(lang), float(p)) for lang, p in _identifier().rank(text)]


def language_of(text: str) -> tuple[str, float] | None:
    """The language of a text long enough to tell, and how sure; None below MIN_CHARS letters."""
    ranked = ranking(text)
    return None if ranked is None else ranked[0]


def mismatch(question: str, answer: str, named: frozenset[str] = NONE) -> tuple[str, str, float] | None:
    """(question's language, answer's, how surely the answer is not in the question's
    language) when the question is sure and the answer surely is in another language.
    `named`: the languages the question's side names (`named_languages`); naming one
    other than the question's own is asking for it."""
    if asks_for_translation(question):
        return None
    q = language_of(question)
    if q is None or q[1] < CONFIDENCE or any(code != q[0] for code in named):
        return None
    ranked = ranking(answer)
    if ranked is None or ranked[0][0] == q[0]:
        return None
    probability = dict(ranked)
    if probability.get(q[0], 0.0) > 1 - CONFIDENCE:
        return None
    # A mixed prompt: a part of it in a language the answer may be in asks for that language.
    for part in _PARTS.split(question):
        if letters(part) >= PART_LETTERS and probability.get(_identifier().classify(part)[0], 0.0) > 1 - CONFIDENCE:
            return None
    return q[0], ranked[0][0], 1 - probability.get(q[0], 0.0)


__all__ = ["CONFIDENCE", "HEAD", "MIN_CHARS", "NAMES", "SAMPLE", "asks_for_translation", "language_of", "loaded",
           "mismatch", "named_languages", "prose", "ranking"]
