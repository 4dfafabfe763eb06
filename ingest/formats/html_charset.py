"""A web page's bytes as text: the bytes decide first, the declared charset second.

Government pages declare `charset=gb2312` and contain characters GB2312 lacks (GBK's 镕,
GB18030's 䶮), saved pages keep a meta tag that no longer matches the bytes a mirror site
re-encoded, and Office exports start with a UTF-8 BOM. So, in order:

1. a byte-order mark (UTF-8, UTF-16) is the encoding;
2. bytes that are valid UTF-8 are UTF-8, whatever the page declares (GBK text is almost
   never valid UTF-8 by accident; a page of ASCII is both);
3. bytes that are UTF-8 but for a few damaged sequences are UTF-8, the damage replaced;
4. otherwise the declared charset (an MHTML part's header, then `<meta>` or the XML
   declaration), GB2312/GBK read as GB18030, their superset; a page declaring a Western
   single-byte charset (which decodes any bytes) is tried as GB18030 first;
5. nothing declared, or the declaration fails: GB18030.

Bytes that nothing decodes cleanly are replaced with U+FFFD and a note says how many.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_SNIFF_BYTES = 16384  # the meta tag sits in <head>; Office exports put a long <style> before it
_META_CHARSET = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.I)
# Labels browsers know (WHATWG Encoding) that Python's codec registry does not. A meta tag cannot
# truly say UTF-16 (it was read as ASCII), so browsers take it as UTF-8; 7-bit encodings that
# turn ASCII into other characters (UTF-7, HZ, ISO-2022) are refused as a browser refuses them.
_LABELS = {
    **dict.fromkeys(
        ("windows-936", "x-gbk", "x-euc-cn", "gb_2312", "gb_2312-80", "csgb2312", "chinese"), "gbk"
    ),
    **dict.fromkeys(("unicode", "utf-16", "utf-16le", "utf-16be", "ucs-2", "iso-10646-ucs-2"), "utf-8"),
    "x-mac-roman": "mac-roman",
}
_REFUSED = {"utf-7", "hz", "iso2022_jp", "iso2022_kr", "iso2022_jp_2", "iso2022_jp_ext"}
# Python codec -> the superset browsers decode it as: pages rely on the superset's characters.
_SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
}
_SINGLE_BYTE_WESTERN = {"cp1252", "iso8859-15", "mac-roman"}
# UTF-8 with at most one damaged sequence per this many non-ASCII characters is still UTF-8
# (GBK bytes read as UTF-8 fail on nearly every character).
_CHARACTERS_PER_DAMAGE = 100
# Characters that are not text: C0 controls other than tab/newline/CR/form feed, and formats
# with no width (zero-width space, BOM, word joiner, soft hyphen) that split words invisibly.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0e-\x1f\u200b-\u200d\u2060\ufeff\u00ad]")


@dataclass(frozen=True)
class DecodedPage:
    text: str
    encoding: str
    notes: tuple[str, ...] = ()


def decode_page(data: bytes, declared: str | None = None) -> DecodedPage:
    """The page's text; `declared` is a charset from outside the page (an MHTML part header)."""
    label = declared or declared_charset(data)
    if data.startswith(b"\xef\xbb\xbf"):
        return _lenient(data[3:], "utf-8", "utf-8-sig", ())
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _lenient(data, "utf-16", "utf-16", ())
    try:
        return DecodedPage(_clean(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    as_utf8 = data.decode("utf-8", errors="replace")
    damaged = as_utf8.count("\ufffd")
    if damaged * _CHARACTERS_PER_DAMAGE <= sum(1 for ch in as_utf8 if ord(ch) > 127):
        return _lenient(data, "utf-8", "utf-8", ())
    notes: list[str] = []
    name = codec_name(label) if label else None
    if label and name is None:
        notes.append(f"the page declares charset {label!r}, unknown or refused; read as GB18030")
    candidates = [name] if name and name != "utf-8" else []
    if not candidates or candidates[0] in _SINGLE_BYTE_WESTERN:
        candidates.insert(0, "gb18030")
    for candidate in candidates:
        try:
            text = data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        if label and candidate != name:
            notes.append(f"the page declares charset {label} but its bytes are {candidate.upper()}")
        return DecodedPage(_clean(text), candidate, tuple(notes))
    return _lenient(data, candidates[-1], candidates[-1], tuple(notes))


def declared_charset(data: bytes) -> str | None:
    """The charset a `<meta>` tag or an XML declaration names in the page's head, if any."""
    head = data[:_SNIFF_BYTES]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return match.group(1).decode("ascii") if match else None


def codec_name(label: str) -> str | None:
    """Python's codec for a charset label, widened to the superset browsers use; None if unknown."""
    label = label.strip().lower()
    try:
        info = codecs.lookup(_LABELS.get(label, label))
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
        return None  # charset=base64 or rot13: a bytes-to-bytes codec, not a text encoding
    return _SUPERSETS.get(info.name, info.name)


def _lenient(data: bytes, codec: str, reported: str, notes: tuple[str, ...]) -> DecodedPage:
    text = data.decode(codec, errors="replace")
    bad = text.count("\ufffd")
    if bad:
        notes = (*notes, f"{bad} byte sequence(s) not valid {codec.upper()} were replaced with U+FFFD")
    return DecodedPage(_clean(text), reported, notes)


def _clean(text: str) -> str:
    return _NOT_TEXT.sub("", text)
