"""Why an item went to a person, in words.

An assignment keeps its reason as parts (``Assignment.details``), each a small dict with a code
``c``; they are put into words when read, in the reader's language: "rule “Москва B2B”, round
robin, 3rd in turn, Petrova away".
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th… (in Russian 1-й, 2-й…)."""
    last = n % 10
    if 11 <= n % 100 <= 13 or last not in (1, 2, 3):
        return pgettext("ordinal", "%(n)sth") % {"n": n}
    if last == 1:
        return pgettext("ordinal", "%(n)sst") % {"n": n}
    if last == 2:
        return pgettext("ordinal", "%(n)snd") % {"n": n}
    return pgettext("ordinal", "%(n)srd") % {"n": n}


def why_not_text(why: str, name: str, cap: int | None = None) -> str:
    if why == "away":
        return _("%(name)s away") % {"name": name}
    if why == "busy":
        return _("%(name)s busy") % {"name": name}
    if why == "vacation":
        return _("%(name)s on vacation") % {"name": name}
    if why == "off_hours":
        return _("%(name)s outside working hours") % {"name": name}
    if why == "cap":
        return _("%(name)s has %(cap)s open already (the cap)") % {"name": name, "cap": cap}
    if why == "excluded":
        return _("%(name)s did not take it in time") % {"name": name}
    return _("%(name)s not active") % {"name": name}


def _part(p: dict) -> str:
    code = p.get("c")
    if code == "rule":
        return _("rule “%(name)s”") % {"name": p.get("name", "")}
    if code == "round_robin":
        return _("round robin, %(turn)s in turn") % {"turn": ordinal(int(p.get("turn", 1)))}
    if code == "least_loaded":
        return _("least loaded (%(load)s open)") % {"load": p.get("load", 0)}
    if code == "skills":
        return _("skills and territory match: %(matched)s") % {
            "matched": ", ".join(p.get("matched", []))
        }
    if code == "no_skills":
        return _("nobody has the skills or territory, so the least loaded")
    if code == "sticky":
        return _("the client's own manager")
    if code == "sticky_missed":
        return _("the client's manager: %(why)s") % {
            "why": why_not_text(p.get("why", ""), p.get("name", ""), p.get("cap"))
        }
    if code == "skip":
        return why_not_text(p.get("why", ""), p.get("name", ""), p.get("cap"))
    if code == "reassigned":
        return _("reassigned: %(name)s did not take it within %(minutes)s min") % {
            "name": p.get("name", ""),
            "minutes": p.get("minutes", 0),
        }
    return str(p.get("text", ""))


def reason_render(details: list[dict]) -> str:
    return ", ".join(t for t in (_part(p) for p in details) if t)
