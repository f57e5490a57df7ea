"""Persian orthography rules (in the spirit of Virastar) over one piece of prose.

Pure functions: text in, findings out. Each finding names its rule, the span of
the text it concerns and the suggested replacement. Spans that are not Persian
prose are never touched: URLs, e-mail addresses, Markdown syntax (link targets,
code, footnote and cross-reference markers, list numbers) and Latin-script runs.

A rule is *safe* when ``reportgen lint --fix`` may apply it unattended; the
precision of every safe rule is measured on ``tests/data/lint_corpus.yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

ARABIC_LETTER = "\u0621-\u063a\u0641-\u064a\u0671-\u06d3\u06fa-\u06fc"
_LETTER = f"[{ARABIC_LETTER}]"
_MARKS = "\u064b-\u065f\u0670"  # harakat and hamza above: part of the word before them
_MARK_CHARS = "".join(map(chr, (*range(0x064B, 0x0660), 0x0670)))
ZWNJ = "\u200c"
NON_JOINING = set("اآأإٱدذرزژوؤۀة")
"""Letters that never join the next one: after them a suffix is written joined, no ZWNJ needed."""


@dataclass(frozen=True)
class Rule:
    name: str
    safe: bool
    message: str


@dataclass(frozen=True)
class Finding:
    """``text[start:end]`` should read ``replacement``."""

    rule: Rule
    start: int
    end: int
    original: str
    replacement: str


RULES = {rule.name: rule for rule in (
    Rule("arabic-letters", True, "Arabic letter: write the Persian «ی»/«ک»"),
    Rule("arabic-digits", True, "Arabic-Indic digit: write Persian digits"),
    Rule("latin-digits", True, "Latin digits in Persian prose: write Persian digits"),
    Rule("zwnj-prefix", True, "«می»/«نمی» is joined to the verb with a ZWNJ (نیم‌فاصله)"),
    Rule("zwnj-suffix", True, "«ها»/«تر»/«ترین» is joined to the word (with a ZWNJ after a joining letter)"),
    Rule("zwnj-plural-joined", False, "plural «ها» written joined: Persian orthography separates it with a ZWNJ"),
    Rule("double-space", True, "more than one space between words"),
    Rule("latin-punctuation", True, "Latin punctuation in Persian text: write «،» «؛» «؟»"),
    Rule("straight-quotes", True, "straight quotes around Persian text: write «»"),
    Rule("punctuation-spacing", True, "spacing around punctuation"),
    Rule("tatweel", True, "tatweel (kashida) stretches a word: remove it"),
    Rule("bidi-control", True, "invisible bidi control character: reportgen isolates text itself"),
)}  # fmt: skip

# --- spans that are not Persian prose -----------------------------------------------------------
_PROTECTED = re.compile(
    r"https?://[^\s«»()]+|mailto:[^\s)]+|www\.[^\s«»()]+"  # URLs
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail
    r"|`[^`\n]*`"  # inline code
    r"|\]\([^)\n]*\)"  # Markdown link target
    r"|\[\^[^\]\n]+\]:?|\[@[^\]\n]+\]"  # footnote and cross-reference markers
    r"|^[ \t]*(?:\d+[.)]|[-*+])[ \t]"  # list item markers
    r"|[A-Za-z][A-Za-z0-9]*(?:[ \t]*[-&.,:;/'’+()0-9]*[ \t]*[A-Za-z0-9]+)*\.?"  # a Latin-script run
    , re.MULTILINE)  # fmt: skip


def protected_spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in _PROTECTED.finditer(text)]


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)


# --- rules ----------------------------------------------------------------------------------------
_WORD_END = rf"(?![{ARABIC_LETTER}{_MARKS}{ZWNJ}])"
_WORD_START = rf"(?<![{ARABIC_LETTER}{_MARKS}{ZWNJ}])"
_PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"

_PRESENT_STEMS = (
    "شو کن ده گیر رس یاب باش دان گرد آی رو بین گوی گو ساز خواه پرداز توان گذار گذر نشین کوش انداز خور مان "
    "آور بر زن پذیر دار نما شناس خوان نویس کاه افزا افزای بخش سنج جوی طلب پوش ریز چین فرست کش بند آموز "
    "شمار کاو پای ران جنگ خیز تاب ورز بال چرخ"
).split()
_PAST_STEMS = (
    "کرد شد داد گرفت رفت آمد خواست دانست توانست بود گفت ساخت داشت یافت رسید گذاشت نوشت خواند دید برد آورد "
    "کوشید پرداخت انداخت شناخت نمود افزود بخشید"
).split()
_PRESENT_ENDINGS = ("م", "ی", "د", "یم", "ید", "ند")
_PAST_ENDINGS = ("", "م", "ی", "یم", "ید", "ند")
_JOINED_VERBS = {
    *(stem + ending for stem in _PRESENT_STEMS for ending in _PRESENT_ENDINGS),
    *(stem + ending for stem in _PAST_STEMS for ending in _PAST_ENDINGS),
}
# Words that begin like «می» + verb but are not verbs.
_NOT_VERBS = {"میدانی", "میدانها", "میدانهای"}

_SUFFIXES = ("هایی", "هایم", "هایت", "هایش", "هایمان", "هایتان", "هایشان", "هاست", "های", "ها",
             "ترین", "تری", "تر")  # fmt: skip
# Words ending in «ها» that are not plurals, and joined plurals whose stem would be misread.
_NOT_PLURALS = {"تنها", "آنها", "اینها", "بها", "رها", "صدها", "هزارها", "ده‌ها", "دهها", "گاها", "بعدها",
                "قبلها", "مدتها", "سالها", "بارها", "جاها", "شبها", "روزها", "تماشا"}  # fmt: skip


Check = Callable[[str], Iterator[tuple[str, int, int, str]]]


def _replace_chars(rule: str, pattern: str, table: dict[str, str]) -> Check:
    compiled = re.compile(pattern)

    def find(text: str) -> Iterator[tuple[str, int, int, str]]:
        for match in compiled.finditer(text):
            yield rule, match.start(), match.end(), "".join(table.get(c, c) for c in match.group())

    return find


_arabic_letters = _replace_chars("arabic-letters", "[يكى]", {"ي": "ی", "ك": "ک", "ى": "ی"})
_arabic_digits = _replace_chars("arabic-digits", "[٠-٩]+", dict(zip("٠١٢٣٤٥٦٧٨٩", _PERSIAN_DIGITS, strict=True)))
_tatweel = _replace_chars("tatweel", "\u0640+", {"\u0640": ""})
_bidi = _replace_chars("bidi-control", "[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]", {})


def _bidi_fix(text: str) -> Iterator[tuple[str, int, int, str]]:
    for rule, start, end, _ in _bidi(text):
        yield rule, start, end, ""


_LATIN_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)*%?(?![\w])")
_TO_PERSIAN = str.maketrans("0123456789", _PERSIAN_DIGITS)


def _latin_digits(text: str) -> Iterator[tuple[str, int, int, str]]:
    for match in _LATIN_NUMBER.finditer(text):
        number = match.group()
        groups = re.split(r"[.,]", number.rstrip("%"))
        if "," in number and not all(len(g) == 3 for g in groups[1:]):
            continue  # «1,2» is a list, not a thousands separator
        persian = number.translate(_TO_PERSIAN).replace(",", "٬").replace(".", "٫").replace("%", "٪")
        yield "latin-digits", match.start(), match.end(), persian


_PREFIX_SPACED = re.compile(rf"{_WORD_START}(ن?می) +(?={_LETTER})")
_PREFIX_JOINED = re.compile(rf"{_WORD_START}(ن?می)({_LETTER}[{ARABIC_LETTER}{_MARKS}]*){_WORD_END}")


def _zwnj_prefix(text: str) -> Iterator[tuple[str, int, int, str]]:
    for match in _PREFIX_SPACED.finditer(text):
        yield "zwnj-prefix", match.start(), match.end(), match.group(1) + ZWNJ
    for match in _PREFIX_JOINED.finditer(text):
        prefix, rest = match.groups()
        if rest in _JOINED_VERBS and match.group() not in _NOT_VERBS:
            yield "zwnj-prefix", match.start(), match.end(), prefix + ZWNJ + rest


_SUFFIX_SPACED = re.compile(
    rf"{_WORD_START}({_LETTER}[{ARABIC_LETTER}{_MARKS}{ZWNJ}]*) +({'|'.join(_SUFFIXES)}){_WORD_END}")
_PLURAL_JOINED = re.compile(rf"{_WORD_START}({_LETTER}{{2,}}?)(ها|های|هایی){_WORD_END}")


def _zwnj_suffix(text: str) -> Iterator[tuple[str, int, int, str]]:
    for match in _SUFFIX_SPACED.finditer(text):
        word, suffix = match.groups()
        joiner = "" if word.rstrip(_MARK_CHARS)[-1] in NON_JOINING else ZWNJ
        yield "zwnj-suffix", match.start(), match.end(), word + joiner + suffix
    for match in _PLURAL_JOINED.finditer(text):
        stem, suffix = match.groups()
        if stem[-1] in NON_JOINING or match.group() in _NOT_PLURALS or len(stem) < 3:
            continue
        yield "zwnj-plural-joined", match.start(), match.end(), stem + ZWNJ + suffix


_DOUBLE_SPACE = re.compile(r"(?<=\S)  +(?=\S)")


def _double_space(text: str) -> Iterator[tuple[str, int, int, str]]:
    for match in _DOUBLE_SPACE.finditer(text):
        yield "double-space", match.start(), match.end(), " "


_LATIN_PUNCT = re.compile(rf"(?<=[{ARABIC_LETTER}{_MARKS}۰-۹])([ ]?)([,;?])(?=[ \n]|$|{_LETTER})", re.MULTILINE)
_PUNCT_MAP = {",": "،", ";": "؛", "?": "؟"}


def _latin_punctuation(text: str) -> Iterator[tuple[str, int, int, str]]:
    for match in _LATIN_PUNCT.finditer(text):
        yield "latin-punctuation", match.start(2), match.end(2), _PUNCT_MAP[match.group(2)]


_QUOTED = re.compile(rf'"([^"\n]*{_LETTER}[^"\n]*)"')


def _straight_quotes(text: str) -> Iterator[tuple[str, int, int, str]]:
    for match in _QUOTED.finditer(text):
        if not re.search("[A-Za-z]", match.group(1)):
            yield "straight-quotes", match.start(), match.end(), f"«{match.group(1).strip()}»"


_AROUND_PUNCT = re.compile(rf"(?<=[{ARABIC_LETTER}{_MARKS}۰-۹»)])( *)([،؛؟!.:])( *)(?=({_LETTER}|[«(])?)")
_SPACE_INSIDE = re.compile(rf"([«(]) +(?={_LETTER})|(?<={_LETTER}) +([»)])")


def _punctuation_spacing(text: str) -> Iterator[tuple[str, int, int, str]]:
    """No space before «،؛؟!.:», one space after «،؛:» when a word follows; none inside «» and ()."""
    for match in _AROUND_PUNCT.finditer(text):
        before, mark, after, word_follows = match.groups()
        wanted = mark + (" " if word_follows and mark in "،؛:" else after)
        if before or (word_follows and mark in "،؛:" and after != " "):
            yield "punctuation-spacing", match.start(), match.end(), wanted
    for match in _SPACE_INSIDE.finditer(text):
        yield "punctuation-spacing", match.start(), match.end(), (match.group(1) or match.group(2))


_CHECKS = (_arabic_letters, _arabic_digits, _latin_digits, _zwnj_prefix, _zwnj_suffix, _double_space,
           _latin_punctuation, _straight_quotes, _punctuation_spacing, _tatweel, _bidi_fix)  # fmt: skip


def lint_text(text: str) -> list[Finding]:
    """Every finding in ``text``, in text order; overlapping findings keep the first rule's."""
    if not re.search(_LETTER, text):
        return []  # not Persian prose: an id, a number, an English term
    spans = protected_spans(text)
    found: list[Finding] = []
    for check in _CHECKS:
        for name, start, end, replacement in check(text):
            if text[start:end] != replacement and not _inside(spans, start, end):
                found.append(Finding(RULES[name], start, end, text[start:end], replacement))
    kept: list[Finding] = []
    for finding in sorted(found, key=lambda f: (f.start, f.end)):
        if not kept or finding.start >= kept[-1].end:
            kept.append(finding)
    return kept


def apply(text: str, findings: list[Finding]) -> str:
    """``text`` with the given (non-overlapping) findings replaced."""
    for finding in sorted(findings, key=lambda f: f.start, reverse=True):
        text = text[: finding.start] + finding.replacement + text[finding.end :]
    return text


def fix_text(text: str, rules: frozenset[str] | None = None) -> str:
    """``text`` with every safe rule (or the named ``rules``) applied until nothing changes.

    Passes repeat because one fix can reveal another («مي شود» → «می شود» → «می‌شود»).
    """
    for _ in range(4):
        findings = [f for f in lint_text(text) if (f.rule.name in rules if rules else f.rule.safe)]
        if not findings:
            break
        text = apply(text, findings)
    return text
