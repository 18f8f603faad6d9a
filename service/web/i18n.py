"""Texts of the pages in English, Norwegian bokmål and Swedish."""

from __future__ import annotations

__all__ = ["CATEGORY_NAMES", "LOCALES", "TEXTS", "pick_language"]

LOCALES = {"en": "en-GB", "nb": "nb-NO", "sv": "sv-SE"}

_KEYS = (
    "teams", "members", "goals", "feed", "rank", "score", "points", "per_member", "total",
    "team_goal", "reconnecting", "last_update", "minutes_ago", "just_now", "live", "goal",
    "goal_reached", "badge", "assist", "sign_in", "token", "sign_in_help", "bad_token",
    "my_board", "my_rank", "breakdown", "my_team", "log_deal", "won", "lost", "amount",
    "customer", "assists", "save", "kudos", "to", "message", "strength", "allowance_left",
    "mentoring", "member", "note", "budget_left", "set_goal", "season", "metric", "revenue",
    "deals", "target", "member_targets", "pending_reviews", "review", "lesson", "yes",
    "partly", "no", "saved", "manager_view", "insights", "weakest", "of", "sign_out",
    "team_share", "help", "learning", "feedback", "bonus", "kudos_from", "mentoring_for",
    "deal_won", "deal_lost", "none_yet", "newcomer", "category",
)

_EN = dict(zip(_KEYS, (
    "Teams", "Players", "Goals", "Latest", "Rank", "Score", "points", "per player", "total",
    "Team goal", "Reconnecting…", "Last update", "min ago", "just now", "Live", "GOAL!",
    "GOAL REACHED!", "New badge", "assist", "Sign in", "Token", "Paste the token your admin "
    "gave you, or open the link with ?token=…", "That token is unknown or has been revoked. "
    "Ask your admin for a new one.",
    "My board", "My rank", "Points by category", "My team", "Log a deal", "Won", "Lost",
    "Amount", "Customer", "Assists (up to 3)", "Save", "Give kudos", "To", "Message",
    "Strength", "Kudos left this week", "Award mentoring points", "Member", "What for",
    "Budget left this week", "Set a team goal", "Season", "Metric", "Revenue", "Won deals",
    "Target", "Member targets", "Loss reviews pending", "Review", "Lesson learned", "Yes",
    "Partly", "No", "Saved", "Coach's view", "What we learn from losses", "weakest first",
    "of", "Sign out", "Team share", "Help", "Learning", "Feedback", "Bonus", "kudos from",
    "mentoring for", "won a deal", "lost a deal", "Nothing yet", "Newcomer", "Category",
), strict=True))

_NB = dict(zip(_KEYS, (
    "Lag", "Spillere", "Mål", "Siste nytt", "Plass", "Poeng", "poeng", "per spiller", "totalt",
    "Lagmål", "Kobler til igjen…", "Sist oppdatert", "min siden", "akkurat nå", "Direkte",
    "MÅL!", "MÅLET ER NÅDD!", "Nytt merke", "målgivende", "Logg inn", "Nøkkel",
    "Lim inn nøkkelen du fikk av administratoren, eller åpne lenken med ?token=…",
    "Nøkkelen er ukjent eller trukket tilbake. Be administratoren om en ny.",
    "Min tavle", "Min plass", "Poeng per kategori", "Mitt lag", "Registrer en avtale",
    "Vunnet", "Tapt", "Beløp", "Kunde", "Målgivende (maks 3)", "Lagre", "Gi honnør", "Til",
    "Melding", "Styrke", "Honnør igjen denne uken", "Gi mentorpoeng", "Medlem", "For hva",
    "Budsjett igjen denne uken", "Sett et lagmål", "Sesong", "Måltall", "Omsetning",
    "Vunne avtaler", "Mål", "Individuelle mål", "Tapsanalyser som venter", "Analyser",
    "Lærdom", "Ja", "Delvis", "Nei", "Lagret", "Trenerens visning", "Hva vi lærer av tap",
    "svakest først", "av", "Logg ut", "Lagandel", "Hjelp", "Læring", "Tilbakemelding",
    "Bonus", "honnør fra", "mentorpoeng til", "vant en avtale", "tapte en avtale",
    "Ingenting ennå", "Nyansatt", "Kategori",
), strict=True))

_SV = dict(zip(_KEYS, (
    "Lag", "Spelare", "Mål", "Senaste", "Plats", "Poäng", "poäng", "per spelare", "totalt",
    "Lagmål", "Återansluter…", "Senast uppdaterad", "min sedan", "just nu", "Live", "MÅL!",
    "MÅLET NÅTT!", "Nytt märke", "assist", "Logga in", "Nyckel",
    "Klistra in nyckeln du fick av administratören, eller öppna länken med ?token=…",
    "Nyckeln är okänd eller återkallad. Be administratören om en ny.",
    "Min tavla", "Min placering", "Poäng per kategori", "Mitt lag", "Registrera en affär",
    "Vunnen", "Förlorad", "Belopp", "Kund", "Assist (högst 3)", "Spara", "Ge beröm", "Till",
    "Meddelande", "Styrka", "Beröm kvar denna vecka", "Ge mentorpoäng", "Medlem", "För vad",
    "Budget kvar denna vecka", "Sätt ett lagmål", "Säsong", "Mått", "Omsättning",
    "Vunna affärer", "Mål", "Individuella mål", "Förlustanalyser som väntar", "Analysera",
    "Lärdom", "Ja", "Delvis", "Nej", "Sparat", "Tränarens vy", "Vad vi lär oss av förluster",
    "svagast först", "av", "Logga ut", "Lagandel", "Hjälp", "Lärande", "Återkoppling",
    "Bonus", "beröm från", "mentorpoäng till", "vann en affär", "förlorade en affär",
    "Inget ännu", "Nyanställd", "Kategori",
), strict=True))

TEXTS: dict[str, dict[str, str]] = {"en": _EN, "nb": _NB, "sv": _SV}

# award categories as people call them
CATEGORY_NAMES: dict[str, dict[str, str]] = {
    "en": {"deals": "Deals", "team_share": "Team share", "assists": "Assists", "help": "Help",
           "mentoring": "Mentoring", "learning": "Learning", "feedback": "Customer feedback",
           "bonus": "Goal bonus"},
    "nb": {"deals": "Avtaler", "team_share": "Lagandel", "assists": "Målgivende",
           "help": "Hjelp", "mentoring": "Mentoring", "learning": "Læring",
           "feedback": "Kundetilbakemelding", "bonus": "Målbonus"},
    "sv": {"deals": "Affärer", "team_share": "Lagandel", "assists": "Assist", "help": "Hjälp",
           "mentoring": "Mentorskap", "learning": "Lärande", "feedback": "Kundåterkoppling",
           "bonus": "Målbonus"},
}


def pick_language(query: str | None, accept: str | None) -> str:
    """``?lang=`` first, else the first Accept-Language we speak (no/nn count as nb), else en."""
    if query in TEXTS:
        return query
    for part in (accept or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        code = "nb" if code in ("no", "nn") else code
        if code in TEXTS:
            return code
    return "en"
