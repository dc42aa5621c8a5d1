"""Languages: Simplified Chinese by default, English on request (Flask-Babel catalogues in
web/translations, compiled by the set-up). The choice is the session's, else the user's own
setting, else Chinese."""
from __future__ import annotations

from flask import g, session
from markupsafe import Markup, escape
from flask_babel import Babel, gettext as _

from runtime.authored_texts import catalogue

LANGUAGES = (("zh_Hans", "中文"), ("en", "English"))
CODES = {code for code, _ in LANGUAGES}
DEFAULT = "zh_Hans"
HTML_TAGS = {"zh_Hans": "zh-Hans", "en": "en"}
LIST_SEPARATORS = {"zh_Hans": "、", "en": ", "}


def role_names() -> dict[str, str]:
    """Role code -> the role as its holders call it, in the reader's language (the same words as the
    ``role_name`` macro of the templates); read at call time so each reader gets their language."""
    return {"front_desk": _("Front desk"), "department": _("Responsible department"),
            "cs_manager": _("Customer-service manager"), "duty_manager": _("Duty manager"),
            "site_manager": _("Site manager"), "general_manager": _("Branch general manager"),
            "quality": _("Quality department"), "legal": _("Legal"), "crisis_team": _("Crisis team"),
            "process_owner": _("Process owner"), "admin": _("Administrator")}


def name_list(codes, names: dict[str, str]) -> str:
    """Codes as their names, joined the way the reader's language lists things (一、二 / one, two)."""
    return LIST_SEPARATORS[select_locale()].join(names.get(c, c) for c in codes)


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in CODES:
        return chosen
    user_locale = getattr(g.get("actor"), "locale", None)
    return user_locale if user_locale in CODES else DEFAULT


def authored(text: str | None) -> str | None:
    """A text written in processes/ (a step's, timer's or field's name, a choice) in the interface's
    language: from the folder's catalogue for that language, else as written (runtime/authored_texts)."""
    return _texts().get(text.strip(), text) if text else text


def _texts():
    """This request's catalogue of the process owners' texts (read once per request, per language)."""
    texts = g.get("_authored_texts")
    if texts is None:
        from web.context import runtime
        g._authored_texts = texts = catalogue(runtime().settings.processes_dir, select_locale())
    return texts


def authored_parts(text: str | None) -> str | None:
    """A line composed of written texts (a table row as ``类别: 纠正措施; 措施: …``): each label and value
    that the catalogue knows is shown in the interface's language, the rest as written."""
    if not text:
        return text
    return "; ".join(": ".join(authored(piece) or piece for piece in part.split(": "))
                     for part in text.split("; "))


def verbatim(value) -> Markup:
    """What someone typed (a subject, a note, a form value, a search), escaped and marked so that
    ``finalize`` never turns it into the English of a form text that happens to read the same."""
    return escape("" if value is None else value)


def finalize(value):
    """Jinja's last step for every ``{{ … }}``: a text written in processes/ (a step's title, a timer's or a
    field's name, a choice) is shown in the interface's language wherever a page prints it, from the
    folder's catalogue (an exact match; Markup and other values pass as they are: user data is printed
    through ``verbatim``)."""
    if type(value) is not str or not value:
        return value
    return _texts().get(value, value)


def init(app) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", "translations")
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters["authored"] = authored
    app.jinja_env.filters["authored_parts"] = authored_parts
    app.jinja_env.filters["verbatim"] = verbatim
    app.jinja_env.finalize = finalize


    @app.context_processor
    def language_context():
        current = select_locale()
        return {"languages": LANGUAGES, "current_lang": current, "current_lang_tag": HTML_TAGS[current],
                "severity_names": {"normal": _("normal"), "major": _("major"), "crisis": _("crisis")},
                "status_names": {"running": _("in progress"), "waiting": _("waiting"), "suspended": _("suspended"),
                                 "failed": _("stopped by an incident"), "completed": _("closed"),
                                 "terminated": _("terminated")},
                "validity_names": {"valid": _("valid complaint"), "to_be_improved": _("to be improved"),
                                   "invalid": _("invalid complaint"), "consultation": _("consultation"),
                                   "unclear": _("unclear (handled as valid)")},
                "satisfaction_names": {"satisfied": _("satisfied"), "understands": _("understands"),
                                       "deemed_accepted": _("no answer within 5 working days: deemed accepted")},
                "channel_names": {"website": _("community website"), "wechat": _("WeChat"),
                                  "online_form": _("online form"), "media": _("media"),
                                  "notice": _("a notice posted on site")}}
