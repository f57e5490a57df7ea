"""Every Persian label the comparison shows a reader, in one place (a labels catalogue will replace it).

Content never comes from here: only the names of section kinds, fields,
enumeration values and the words of the comparison's own scaffolding.
"""

from __future__ import annotations

from typing import Final

SECTION_NAMES: Final[dict[str, str]] = {
    "introduction": "پیشگفتار",
    "approaches": "رویکردها و مدل‌ها",
    "glossary": "تعاریف",
    "case-studies": "تجارب شهرها",
    "upstream": "اسناد فرادست",
    "roadmap": "نقشهٔ راه",
    "training": "آموزش",
    "environment": "تدارک محیط برنامه",
    "missions": "مأموریت‌ها و ارزش‌ها",
    "comments": "پاسخ به نظرات",
}
"""Persian name of each section kind, for summaries."""

KIND_NAMES: Final[dict[str, str]] = {
    "added": "افزوده",
    "removed": "حذف‌شده",
    "changed": "تغییریافته",
    "moved": "جابه‌جاشده",
}
"""Persian name of each change kind."""

SECTION_KIND_NAMES: Final[dict[str, str]] = {
    "added": "فصل افزوده",
    "removed": "فصل حذف‌شده",
    "changed": "متن فصل تغییر یافته",
}

NORMALISATION_LABEL: Final = "تغییر نگارشی"

FIELD_NAMES: Final[dict[str, str]] = {
    "actor": "بازیگر", "actor_group": "گروه کنشگران", "actors": "بازیگران", "approaches": "رویکردها",
    "body": "متن", "capacity": "ظرفیت‌سازی", "capacity_intro": "مقدمهٔ ظرفیت‌سازی", "cases": "تجربه‌ها",
    "category": "طبقه", "city": "شهر", "city_en": "نام لاتین شهر", "comments": "نظرات", "concerns": "موضوع",
    "conclusion": "جمع‌بندی", "country": "کشور", "custodian": "متولی", "database": "بانک اطلاعاتی",
    "database_intro": "مقدمهٔ بانک اطلاعاتی", "date": "تاریخ", "definition": "تعریف", "deliverables": "خروجی‌ها",
    "description": "شرح", "documents": "اسناد", "duration": "مدت", "duration_months": "مدت (ماه)",
    "engagement": "تعامل", "english": "معادل انگلیسی", "format": "قالب", "functions": "کارکردها",
    "group": "گروه", "intro": "مقدمه", "issuer": "مرجع تصویب", "items": "اقلام اطلاعاتی", "kind": "نوع",
    "lessons": "نکات", "level": "سطح", "limits": "محدودیت‌ها", "mechanisms": "سازوکارها",
    "missions": "مأموریت‌ها", "models": "مدل‌ها", "name": "نام", "name_en": "نام لاتین",
    "orientations": "جهت‌گیری‌ها", "origin": "خاستگاه", "participants": "مشارکت‌کنندگان", "period": "دوره",
    "plan": "برنامه", "plan_en": "نام لاتین برنامه", "reason": "دلیل", "response": "پاسخ مشاور", "role": "نقش",
    "roles": "نقش‌ها", "roles_intro": "مقدمهٔ نقش‌ها", "scope": "دامنه", "sender": "فرستنده",
    "sources": "منابع", "stage": "مرحله", "stages": "مراحل", "start_month": "ماه شروع", "status": "وضعیت",
    "strengths": "نقاط قوت", "summary": "خلاصه", "synthesis": "جمع‌بندی", "synthesis_intro": "مقدمهٔ جمع‌بندی",
    "target_groups": "گروه‌های هدف", "term": "واژه", "terms": "واژگان", "text": "متن", "theme": "موضوع داده",
    "title": "عنوان", "tools": "ابزارها", "topics": "سرفصل‌ها", "type": "نوع", "update_cycle": "دورهٔ به‌روزرسانی",
    "values": "ارزش‌ها", "ways": "شیوه‌ها", "workshops": "کارگاه‌ها", "year": "سال", "id": "شناسه",
}  # fmt: skip
"""Persian name of each model field (a field path is named by its parts)."""

VALUE_NAMES: Final[dict[str, str]] = {
    "methodology": "روش‌شناختی", "visioning": "چشم‌اندازسازی", "operationalisation": "عملیاتی شدن برنامه",
    "budget": "بودجه و تأمین منابع مالی", "monitoring": "پایش و ارزیابی", "other": "سایر",
    "domestic": "داخلی", "foreign": "خارجی",
    "national": "ملی", "provincial": "استانی", "local": "محلی",
    "law": "قانون", "regulation": "آیین‌نامه و مقررات", "directive": "دستورالعمل", "plan": "طرح و برنامه",
    "policy": "سیاست و سند راهبردی", "approved": "مصوب", "in-preparation": "در حال تهیه",
    "workshop": "کارگاه", "session": "نشست", "course": "دورهٔ آموزشی", "visit": "بازدید", "webinar": "وبینار",
    "mandatory": "مکلف", "optional": "اختیاری",
    "lead": "راهبری", "approve": "تأیید", "participate": "مشارکت", "consult": "مشورت", "inform": "اطلاع",
    "present": "ارائه", "receive": "دریافت", "exchange": "تبادل",
    "accepted": "پذیرفته شد", "partly-accepted": "بخشی پذیرفته شد", "not-accepted": "پذیرفته نشد",
}  # fmt: skip
"""Persian name of each enumeration value."""

OPEN_STATUS: Final = "در دست بررسی"
"""A comment without a status yet."""

UI: Final[dict[str, str]] = {
    "title": "مقایسهٔ {old} و {new}",
    "comparison_copy": "نسخهٔ مقایسه‌ای",
    "summary": "خلاصهٔ تغییرات",
    "section": "فصل",
    "item": "مورد",
    "change": "تغییر",
    "page": "صفحه",
    "comments": "پاسخ به نظر",
    "identical": "دو ویرایش یکسان‌اند.",
    "old": "متن پیشین",
    "new": "متن تازه",
    "inline": "نمایش یکپارچه",
    "side_by_side": "نمایش دوستونی",
    "trace": "پیگیری نظرات",
    "trace_intro": "برای هر نظر: تغییراتی که به آن پاسخ می‌دهند، وضعیت و پاسخ مشاور. نظرهای باز نخست آمده‌اند.",
    "sender": "فرستنده",
    "status": "نتیجه",
    "previous_status": "نتیجهٔ پیشین",
    "response": "پاسخ مشاور",
    "reason": "دلیل",
    "concerns": "موضوع",
    "whole_report": "کل گزارش",
    "no_changes": "تغییری در این موارد دیده نمی‌شود.",
    "answers": "پاسخ به نظر",
    "matrix": "ماتریس",
    "row": "ردیف",
    "moved_from": "جابه‌جا از",
    "legend": "واژه‌های افزوده با زمینهٔ سبز و واژه‌های حذف‌شده خط‌خورده با رنگ قرمز نشان داده شده‌اند.",
}
"""The comparison's own words (HTML page, trace)."""


def field_name(path: str, names: dict[str, str] | None = None) -> str:
    """«نقش‌ها › تدوین چشم‌انداز» for ``roles.st-vision``: each part a field name or an item's name."""
    names = names or {}
    return " › ".join(FIELD_NAMES.get(part, names.get(part, part)) for part in path.split("."))


def value_name(value: str | None) -> str:
    """An enumeration value's Persian name; other values as they are; «–» for none."""
    if value is None:
        return "–"
    return VALUE_NAMES.get(value, value)
