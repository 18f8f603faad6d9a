"""The page texts, side by side in English, Norwegian bokmål and Swedish.

Each message is ``key: (en, nb, sv)``. A key ending in ``_one`` is the singular of the
key without it (``Huddle.count`` picks one by the locale's plural rules). Texts with
``{name}`` slots are filled in by the browser (``Huddle.fill``) with values it has
escaped; the texts themselves are ours and hold no markup.
"""

from __future__ import annotations

__all__ = ["BADGES", "CATEGORIES", "LOSS_QUESTIONS", "MESSAGES", "ROLES", "STRENGTHS"]

MESSAGES: dict[str, tuple[str, str, str]] = {
    # sign-in and the live mark
    "sign_in": ("Sign in", "Logg inn", "Logga in"),
    "token": ("Access token", "Tilgangsnøkkel", "Åtkomstnyckel"),
    "sign_in_help": (
        "Paste the token your admin gave you, or open the link with ?token=… "
        "once; this browser keeps it.",
        "Lim inn nøkkelen du fikk av administratoren, eller åpne lenken med "
        "?token=… én gang; nettleseren husker den.",
        "Klistra in nyckeln du fick av administratören, eller öppna länken med "
        "?token=… en gång; webbläsaren kommer ihåg den.",
    ),
    "bad_token": (
        "That token is unknown or has been revoked. Ask your admin for a new one.",
        "Nøkkelen er ukjent eller trukket tilbake. Be administratoren om en ny.",
        "Nyckeln är okänd eller återkallad. Be administratören om en ny.",
    ),
    "sign_out": ("Sign out", "Logg ut", "Logga ut"),
    "live": ("Live", "Direkte", "Live"),
    "connecting": ("Connecting…", "Kobler til…", "Ansluter…"),
    "reconnecting": ("Reconnecting…", "Kobler til igjen…", "Återansluter…"),
    "last_update": ("last update {ago}", "sist oppdatert {ago}", "senast uppdaterad {ago}"),
    "just_now": ("just now", "akkurat nå", "just nu"),
    "offline_api": (
        "The server cannot be reached; try again in a moment.",
        "Får ikke kontakt med serveren; prøv igjen om litt.",
        "Servern går inte att nå; försök igen om en stund.",
    ),
    "bad_team": (
        "This team is not known; check team_id in the address.",
        "Dette laget finnes ikke; sjekk team_id i adressen.",
        "Det här laget finns inte; kontrollera team_id i adressen.",
    ),
    # what a refused request means, when the API's English detail is not shown
    "problem_forbidden": (
        "Your token may not do this.",
        "Nøkkelen din gir ikke lov til dette.",
        "Din nyckel ger inte behörighet till detta.",
    ),
    "problem_not_found": (
        "It is no longer there; reload the page.",
        "Det finnes ikke lenger; last inn siden på nytt.",
        "Det finns inte längre; ladda om sidan.",
    ),
    "problem_invalid": (
        "Some values are not valid; check the form and try again.",
        "Noen av verdiene er ugyldige; sjekk skjemaet og prøv igjen.",
        "Några värden är ogiltiga; kontrollera formuläret och försök igen.",
    ),
    "problem_conflict": (
        "That cannot be done now; it may have been done already.",
        "Det går ikke nå; kanskje det allerede er gjort.",
        "Det går inte just nu; det kanske redan är gjort.",
    ),
    "problem_limit": (
        "That is more than this week's limit allows: {left} points left.",
        "Det er mer enn ukens grense tillater: {left} poeng igjen.",
        "Det är mer än veckans gräns tillåter: {left} poäng kvar.",
    ),
    "problem_busy": (
        "Too many requests; wait a moment and try again.",
        "For mange forespørsler; vent litt og prøv igjen.",
        "För många förfrågningar; vänta en stund och försök igen.",
    ),
    "problem_server": (
        "The server could not do that just now; try again in a moment.",
        "Serveren fikk ikke til dette akkurat nå; prøv igjen om litt.",
        "Servern kunde inte göra det just nu; försök igen om en stund.",
    ),
    # boards
    "teams": ("Team table", "Lagtabellen", "Lagtabellen"),
    "members": ("Top scorers", "Toppscorere", "Skytteliga"),
    "goals": ("Team goals", "Lagmål", "Lagmål"),
    "feed": ("Latest", "Siste nytt", "Senaste nytt"),
    "stories_tab": ("Win stories", "Seierhistorier", "Vinsthistorier"),
    "rising_tab": ("Rising stars", "Stigende stjerner", "Stigande stjärnor"),
    "improved_tab": ("Most improved", "Mest forbedret", "Mest förbättrad"),
    "beat_title": ("Beat last week", "Slå forrige uke", "Slå förra veckan"),
    "beat_progress": (
        "{points} of {target} points this week (last week {baseline})",
        "{points} av {target} poeng denne uken (forrige uke {baseline})",
        "{points} av {target} poäng den här veckan (förra veckan {baseline})",
    ),
    "beat_to_go": (
        "{needed} more for +{bonus} bonus points",
        "{needed} til for +{bonus} bonuspoeng",
        "{needed} till för +{bonus} bonuspoäng",
    ),
    "beat_done": (
        "Done: +{bonus} bonus points this week",
        "Klart: +{bonus} bonuspoeng denne uken",
        "Klart: +{bonus} bonuspoäng den här veckan",
    ),
    "story_won": ("won {customer}", "vant {customer}", "vann {customer}"),
    "praise_tab": ("Customer praise", "Ros fra kunder", "Beröm från kunder"),
    "praise_from": ("from a customer", "fra en kunde", "från en kund"),
    "rank": ("Rank", "Plass", "Plats"),
    "score": ("Score", "Poeng", "Poäng"),
    "points": ("points", "poeng", "poäng"),
    "points_label": ("Points", "Poeng", "Poäng"),
    "per_member": ("per player", "per spiller", "per spelare"),
    "total": ("total", "totalt", "totalt"),
    "players": ("{n} players", "{n} spillere", "{n} spelare"),
    "players_one": ("{n} player", "{n} spiller", "{n} spelare"),
    "none_yet": ("Nothing here yet.", "Ingenting her ennå.", "Inget här ännu."),
    "team_goal": ("Team goal", "Lagmål", "Lagmål"),
    "revenue": ("Revenue", "Omsetning", "Omsättning"),
    "deals": ("Won deals", "Vunne avtaler", "Vunna affärer"),
    "reached": ("Reached", "Nådd", "Nått"),
    # celebrations
    "goal": ("GOAL!", "MÅL!", "MÅL!"),
    "goal_reached": ("GOAL REACHED!", "MÅLET ER NÅDD!", "MÅLET NÅTT!"),
    "member_goal_reached": (
        "PERSONAL GOAL REACHED!",
        "PERSONLIG MÅL NÅDD!",
        "PERSONLIGT MÅL NÅTT!",
    ),
    "badge": ("NEW BADGE", "NYTT MERKE", "NYTT MÄRKE"),
    "improvement": ("BEAT LAST WEEK!", "SLO FORRIGE UKE!", "SLOG FÖRRA VECKAN!"),
    "improvement_by": (
        "{points} points this week, {baseline} the week before",
        "{points} poeng denne uken, {baseline} uken før",
        "{points} poäng den här veckan, {baseline} veckan innan",
    ),
    "assists_by": ("Assist: {names}", "Målgivende: {names}", "Assist: {names}"),
    "team_points": (
        "+{points} points for the team",
        "+{points} poeng til laget",
        "+{points} poäng till laget",
    ),
    # feed lines (values are filled in escaped)
    "feed_won": (
        "{who} won {customer} · {amount}",
        "{who} vant {customer} · {amount}",
        "{who} vann {customer} · {amount}",
    ),
    "feed_lost": ("{who} lost {customer}", "{who} tapte {customer}", "{who} förlorade {customer}"),
    "feed_kudos": (
        "{from} thanked {to}: “{message}”",
        "{from} ga skryt til {to}: «{message}»",
        "{from} berömde {to}: ”{message}”",
    ),
    "feed_mentoring": (
        "{by} gave {who} mentoring points: {note}",
        "{by} ga {who} mentorpoeng: {note}",
        "{by} gav {who} mentorpoäng: {note}",
    ),
    "feed_story": (
        "{who} on winning {customer}: “{text}”",
        "{who} om seieren hos {customer}: «{text}»",
        "{who} om vinsten hos {customer}: ”{text}”",
    ),
    "feed_review": (
        "{who} learned from losing {customer}",
        "{who} lærte av tapet hos {customer}",
        "{who} lärde sig av förlusten hos {customer}",
    ),
    "feed_feedback": (
        "{customer} rated a meeting with {who} {stars}",
        "{customer} ga møtet med {who} {stars}",
        "{customer} gav mötet med {who} {stars}",
    ),
    "feed_feedback_anonymous": (
        "A customer rated a meeting with {who} {stars}",
        "En kunde ga møtet med {who} {stars}",
        "En kund gav mötet med {who} {stars}",
    ),
    "feed_goal_set": (
        "New team goal for {team}: {target}",
        "Nytt lagmål for {team}: {target}",
        "Nytt lagmål för {team}: {target}",
    ),
    "feed_joined": ("{who} joined {team}", "{who} ble med på {team}", "{who} gick med i {team}"),
    "feed_activity": (
        "{who} logged {value} × {metric}",
        "{who} registrerte {value} × {metric}",
        "{who} registrerade {value} × {metric}",
    ),
    # corrections: taken back, corrected, re-scored ({by} is who did it)
    "feed_reversed": (
        "{by} reversed {who}'s deal with {customer}: {reason}",
        "{by} tilbakeførte avtalen med {customer} for {who}: {reason}",
        "{by} återförde affären med {customer} för {who}: {reason}",
    ),
    "feed_corrected": (
        "{by} corrected {who}'s deal with {customer}",
        "{by} rettet avtalen med {customer} for {who}",
        "{by} rättade affären med {customer} för {who}",
    ),
    "feed_rescored": ("Corrected: {line}", "Rettet: {line}", "Rättad: {line}"),
    "feed_kudos_revoked": (
        "{by} withdrew {points} kudos points from {who}",
        "{by} trakk tilbake {points} skrytpoeng fra {who}",
        "{by} drog tillbaka {points} berömpoäng från {who}",
    ),
    "feed_mentoring_revoked": (
        "{by} withdrew {points} mentoring points from {who}",
        "{by} trakk tilbake {points} mentorpoeng fra {who}",
        "{by} drog tillbaka {points} mentorpoäng från {who}",
    ),
    # the seller's board
    "my_board": ("My season", "Min sesong", "Min säsong"),
    "my_rank": ("My rank", "Min plass", "Min placering"),
    "of_n": ("of {n}", "av {n}", "av {n}"),
    "breakdown": ("Points by category", "Poeng per kategori", "Poäng per kategori"),
    "my_team": ("My team", "Mitt lag", "Mitt lag"),
    "my_goal": ("My goal", "Mitt mål", "Mitt mål"),
    "log_deal": ("Log a deal", "Registrer en avtale", "Registrera en affär"),
    "activities": (
        "Activities this season",
        "Aktiviteter denne sesongen",
        "Aktiviteter denna säsong",
    ),
    "activity": ("Activity", "Aktivitet", "Aktivitet"),
    "count": ("How many", "Antall", "Antal"),
    "activity_saved": (
        "Logged: +{points} points",
        "Registrert: +{points} poeng",
        "Registrerat: +{points} poäng",
    ),
    "activity_capped": (
        "Logged. Today's points for this are used up; it still counts on the board.",
        "Registrert. Dagens poeng for dette er brukt opp; det teller fortsatt på tavlen.",
        "Registrerat. Dagens poäng för detta är slut; det räknas ändå på tavlan.",
    ),
    "won": ("Won", "Vunnet", "Vunnen"),
    "lost": ("Lost", "Tapt", "Förlorad"),
    "amount": ("Amount", "Beløp", "Belopp"),
    "customer": ("Customer", "Kunde", "Kund"),
    # asking a customer for feedback after a meeting
    "ask_feedback": (
        "Ask a customer for feedback",
        "Be en kunde om tilbakemelding",
        "Be en kund om omdöme",
    ),
    "meeting_on": ("Meeting on", "Møtedato", "Mötesdatum"),
    "customer_language": ("The customer's language", "Kundens språk", "Kundens språk"),
    "create_link": ("Create the link", "Lag lenken", "Skapa länken"),
    "qr_hint": (
        "Show this code at the end of the meeting, or send the link: it works once, "
        "for {days} days.",
        "Vis koden på slutten av møtet, eller send lenken: den virker én gang, i {days} dager.",
        "Visa koden i slutet av mötet, eller skicka länken: den fungerar en gång, i {days} dagar.",
    ),
    "copy": ("Copy", "Kopier", "Kopiera"),
    "customers_said": ("What customers said", "Hva kundene sa", "Vad kunderna sa"),
    "who_to_ask": ("Who to ask", "Hvem kan hjelpe", "Vem kan hjälpa"),
    # a member's profile (/board: mine; /manage: the team's)
    "my_profile": ("My profile", "Min profil", "Min profil"),
    "profiles": ("Profiles", "Profiler", "Profiler"),
    "named_by_peers": ("Named by teammates", "Nevnt av kolleger", "Nämnd av kollegor"),
    "customers_rating": ("Customers", "Kundene", "Kunderna"),
    "to_work_on": ("To work on", "Å jobbe med", "Att arbeta med"),
    "mentoring_line": (
        "{received} received · {given} given",
        "{received} mottatt · {given} gitt",
        "{received} mottagna · {given} givna",
    ),
    "badges_label": ("Badges", "Merker", "Märken"),
    "nothing_yet": ("nothing yet", "ingenting ennå", "inget ännu"),
    "who_to_ask_hint": (
        "Each seller's weakest loss-review question, and the teammate who answers it best.",
        "Hver selgers svakeste spørsmål i tapsanalysene, og kollegaen som svarer best på det.",
        "Varje säljares svagaste fråga i förlustanalyserna, och kollegan som svarar bäst på den.",
    ),
    "ask_name": ("ask {name}", "spør {name}", "fråga {name}"),
    "nobody_strong": (
        "nobody in the team is strong on it yet",
        "ingen i laget er sterk på det ennå",
        "ingen i laget är stark på det ännu",
    ),
    "ratings_n_one": ("{n} rating", "{n} vurdering", "{n} betyg"),
    "ratings_n": ("{n} ratings", "{n} vurderinger", "{n} betyg"),
    "trend_line": (
        "last 30 days {recent} · the 30 before {before}",
        "siste 30 dager {recent} · de 30 før {before}",
        "senaste 30 dagarna {recent} · de 30 före {before}",
    ),
    "trend_up": ("rising", "stiger", "stiger"),
    "trend_down": ("falling", "synker", "sjunker"),
    "trend_flat": ("steady", "stabil", "stabil"),
    "copied": ("Copied", "Kopiert", "Kopierad"),
    "email": ("Email", "E-post", "E-post"),
    "assists": ("Assists", "Målgivende", "Assist"),
    "assists_hint": (
        "Up to 3 teammates who helped win it.",
        "Opptil 3 kolleger som hjalp til å vinne den.",
        "Upp till 3 kollegor som hjälpte till att vinna den.",
    ),
    "deal_saved": (
        "Saved · +{points} points for you",
        "Lagret · +{points} poeng til deg",
        "Sparat · +{points} poäng till dig",
    ),
    "lost_saved": (
        "Saved. A loss review is waiting for you below.",
        "Lagret. En tapsanalyse venter på deg nedenfor.",
        "Sparat. En förlustanalys väntar på dig nedan.",
    ),
    "story": (
        "How did you win it? Tell the team.",
        "Hvordan vant du den? Fortell laget.",
        "Hur vann du den? Berätta för laget.",
    ),
    "post_story": ("Post the story", "Del historien", "Dela historien"),
    "stories_to_tell": ("Stories to tell", "Historier å fortelle", "Historier att berätta"),
    "tell_story": ("how it was won", "hvordan den ble vunnet", "hur den vanns"),
    "story_exists": (
        "This deal already has its story.",
        "Denne avtalen har allerede en historie.",
        "Den här affären har redan en historia.",
    ),
    "save": ("Save", "Lagre", "Spara"),
    "saved": ("Saved", "Lagret", "Sparat"),
    "kudos": ("Give kudos", "Gi skryt", "Ge beröm"),
    "to": ("To", "Til", "Till"),
    "message": ("Message", "Melding", "Meddelande"),
    "strength": ("Strength", "Styrke", "Styrka"),
    "no_strength": ("(no tag)", "(ingen)", "(ingen)"),
    "allowance_left": ("Kudos left this week", "Skryt igjen denne uken", "Beröm kvar denna vecka"),
    "kudos_saved": (
        "Sent · {left} left this week",
        "Sendt · {left} igjen denne uken",
        "Skickat · {left} kvar denna vecka",
    ),
    "pending_reviews": (
        "Loss reviews waiting",
        "Tapsanalyser som venter",
        "Förlustanalyser som väntar",
    ),
    "review": ("Review", "Analyser", "Analysera"),
    "lesson": ("The lesson, in one sentence", "Lærdommen, i én setning", "Lärdomen, i en mening"),
    "review_exists": (
        "This loss review has already been done.",
        "Denne tapsanalysen er allerede gjort.",
        "Den här förlustanalysen är redan gjord.",
    ),
    "yes": ("Yes", "Ja", "Ja"),
    "partly": ("Partly", "Delvis", "Delvis"),
    "no": ("No", "Nei", "Nej"),
    "no_member": (
        "This token is not a player's: the board needs a seller or manager token. "
        "Open /tv for the office screen.",
        "Denne nøkkelen tilhører ingen spiller: tavlen trenger en selger- eller "
        "ledernøkkel. Åpne /tv for kontorskjermen.",
        "Nyckeln tillhör ingen spelare: tavlan behöver en säljar- eller "
        "chefsnyckel. Öppna /tv för kontorsskärmen.",
    ),
    # the manager's view
    "manager_view": ("Coach's view", "Trenerens visning", "Tränarens vy"),
    "team_table": ("The team by category", "Laget per kategori", "Laget per kategori"),
    "member": ("Player", "Spiller", "Spelare"),
    "mentoring": ("Award mentoring points", "Gi mentorpoeng", "Ge mentorpoäng"),
    "note": ("What for", "For hva", "För vad"),
    "budget_left": (
        "Budget left this week",
        "Budsjett igjen denne uken",
        "Budget kvar denna vecka",
    ),
    "mentoring_saved": (
        "Awarded · {left} left this week",
        "Gitt · {left} igjen denne uken",
        "Givet · {left} kvar denna vecka",
    ),
    "set_goal": ("Set a team goal", "Sett et lagmål", "Sätt ett lagmål"),
    "season": ("Season", "Sesong", "Säsong"),
    "metric": ("Measured in", "Måles i", "Mäts i"),
    "target": ("Team target", "Lagets mål", "Lagets mål"),
    "goal_exists": (
        "The team already has a goal measured this way for the season.",
        "Laget har allerede et mål som måles på denne måten denne sesongen.",
        "Laget har redan ett mål som mäts på det här sättet den här säsongen.",
    ),
    "member_targets": (
        "Player goals (optional)",
        "Individuelle mål (valgfritt)",
        "Individuella mål (valfritt)",
    ),
    "insights": ("What we learn from losses", "Hva vi lærer av tap", "Vad vi lär oss av förluster"),
    "weakest": ("weakest first", "svakest først", "svagast först"),
    "reviews_n": ("{n} reviews", "{n} analyser", "{n} analyser"),
    "reviews_n_one": ("{n} review", "{n} analyse", "{n} analys"),
    "manager_only": (
        "This view is for managers; you are signed in with the {role} role.",
        "Denne visningen er for ledere; du er logget inn som {role}.",
        "Den här vyn är för chefer; du är inloggad som {role}.",
    ),
    "pick_team": (
        "Every team's deals, contests and rewards, the seasons and the CRM connections. "
        "Pick a team at the top for its players, goals and losses.",
        "Alle lags avtaler, konkurranser og belønninger, sesongene og CRM-koblingene. "
        "Velg et lag øverst for spillerne, målene og tapene.",
        "Alla lags affärer, tävlingar och belöningar, säsongerna och CRM-kopplingarna. "
        "Välj ett lag högst upp för spelarna, målen och förlusterna.",
    ),
    # an admin's pick of the team in view on /manage
    "team_in_view": ("Team in view", "Lag som vises", "Lag som visas"),
    "every_team": ("All teams", "Alle lag", "Alla lag"),
    # the manager's recent deals: reverse or correct one
    "recent_deals": ("Recent deals", "Siste avtaler", "Senaste affärerna"),
    "all_teams": ("all teams", "alle lag", "alla lag"),
    "reverse": ("Reverse", "Tilbakefør", "Återför"),
    "correct": ("Correct", "Rett", "Rätta"),
    "cancel": ("Cancel", "Avbryt", "Avbryt"),
    "reversed_mark": ("Reversed", "Tilbakeført", "Återförd"),
    "corrected_mark": ("Corrected", "Rettet", "Rättad"),
    "seller": ("Seller", "Selger", "Säljare"),
    "outcome": ("Outcome", "Utfall", "Utfall"),
    "closed_on": ("Closed on", "Avsluttet dato", "Avslutsdatum"),
    "reason_required": (
        "Why? (shown in the feed)",
        "Hvorfor? (vises i nyhetsstrømmen)",
        "Varför? (visas i flödet)",
    ),
    "reason_optional": ("Why (optional)", "Hvorfor (valgfritt)", "Varför (valfritt)"),
    "reverse_deal": ("Reverse the deal", "Tilbakefør avtalen", "Återför affären"),
    "save_correction": ("Save the correction", "Lagre rettelsen", "Spara rättelsen"),
    "deal_reversed": (
        "The deal with {customer} is reversed: its points are taken back.",
        "Avtalen med {customer} er tilbakeført: poengene er trukket tilbake.",
        "Affären med {customer} är återförd: poängen är återtagna.",
    ),
    "deal_corrected": (
        "The deal with {customer} is corrected: its points are scored again.",
        "Avtalen med {customer} er rettet: poengene er regnet ut på nytt.",
        "Affären med {customer} är rättad: poängen är omräknade.",
    ),
    "nothing_changed": (
        "Nothing to correct: change a field first.",
        "Ingenting å rette: endre et felt først.",
        "Inget att rätta: ändra ett fält först.",
    ),
    # loss reviews still owed: their age, and the coach's reminder list
    "reviews_waiting": (
        "Loss reviews waiting",
        "Tapsanalyser som venter",
        "Förlustanalyser som väntar",
    ),
    "waiting_days_one": ("waiting {n} day", "venter i {n} dag", "väntar sedan {n} dag"),
    "waiting_days": ("waiting {n} days", "venter i {n} dager", "väntar sedan {n} dagar"),
    "waiting_today": ("lost today", "tapt i dag", "förlorad i dag"),
    "overdue": ("Overdue", "Forsinket", "Försenad"),
    "no_reviews_waiting": (
        "Every lost deal has its review.",
        "Alle tapte avtaler er analysert.",
        "Alla förlorade affärer är analyserade.",
    ),
    # the admin's seasons: rename, move, close early, remove, add
    "seasons": ("Seasons", "Sesonger", "Säsonger"),
    "season_name": ("Name", "Navn", "Namn"),
    "starts_on": ("Starts", "Starter", "Börjar"),
    "ends_on": ("Ends", "Slutter", "Slutar"),
    "current_mark": ("Now", "Nå", "Nu"),
    "close_today": ("End today", "Avslutt i dag", "Avsluta i dag"),
    "remove": ("Remove", "Fjern", "Ta bort"),
    "add_season": ("Add the season", "Legg til sesongen", "Lägg till säsongen"),
    "season_saved": ("{name} is saved.", "{name} er lagret.", "{name} är sparad."),
    "season_closed": (
        "{name} ends today.",
        "{name} slutter i dag.",
        "{name} slutar i dag.",
    ),
    "season_removed": ("{name} is removed.", "{name} er fjernet.", "{name} är borttagen."),
    # the admin's CRM connections: health, rejected deliveries to replay, owner ids
    "crm": ("CRM connections", "CRM-tilkoblinger", "CRM-kopplingar"),
    "crm_on": ("On", "På", "På"),
    "crm_off": ("Off", "Av", "Av"),
    "crm_paste": ("URL to paste", "Adresse å lime inn", "Adress att klistra in"),
    "crm_token_hint": (
        "add ?token=… when HUDDLE_SALESFORCE_TOKEN is set",
        "legg til ?token=… når HUDDLE_SALESFORCE_TOKEN er satt",
        "lägg till ?token=… när HUDDLE_SALESFORCE_TOKEN är satt",
    ),
    "crm_last": ("last delivery {when}", "siste levering {when}", "senaste leverans {when}"),
    "crm_never": ("nothing received yet", "ingenting mottatt ennå", "inget mottaget ännu"),
    "crm_received_24h": (
        "{n} received in 24 h",
        "{n} mottatt siste døgn",
        "{n} mottagna senaste dygnet",
    ),
    "crm_received_24h_one": (
        "{n} received in 24 h",
        "{n} mottatt siste døgn",
        "{n} mottagen senaste dygnet",
    ),
    "crm_rejected_24h": ("{n} rejected", "{n} avvist", "{n} avvisade"),
    "crm_rejected_24h_one": ("{n} rejected", "{n} avvist", "{n} avvisad"),
    "crm_rejected": ("Rejected deliveries", "Avviste leveranser", "Avvisade leveranser"),
    "crm_rejected_hint": (
        "Fix what the reason names (often an owner id below), then replay the delivery.",
        "Rett opp det årsaken peker på (ofte en eier-ID lenger ned), og prøv leveransen igjen.",
        "Åtgärda det som orsaken pekar på (ofta ett ägar-id längre ned) och försök sedan igen.",
    ),
    "crm_none_rejected": (
        "No rejected deliveries: all clear.",
        "Ingen avviste leveranser – alt i orden.",
        "Inga avvisade leveranser – allt är i sin ordning.",
    ),
    "crm_show": ("Show", "Vis", "Visa"),
    "crm_hide": ("Hide", "Skjul", "Dölj"),
    "crm_replay": ("Replay", "Prøv igjen", "Försök igen"),
    "crm_replayed": (
        "Delivery {id} is replayed: it counts now.",
        "Leveranse {id} gikk gjennom og teller nå.",
        "Leverans {id} gick igenom och räknas nu.",
    ),
    "crm_replayed_ignored": (
        "Delivery {id} is replayed: there was nothing in it to score.",
        "Leveranse {id} gikk gjennom, men hadde ingenting som gir poeng.",
        "Leverans {id} gick igenom, men innehöll inget som ger poäng.",
    ),
    "crm_still_rejected": (
        "It still cannot be used; the reason above is updated.",
        "Den kan fortsatt ikke brukes; årsaken over er oppdatert.",
        "Den kan fortfarande inte användas; orsaken ovan är uppdaterad.",
    ),
    "crm_owner_ids": ("Owner ids per member", "Eier-ID per medlem", "Ägar-id per medlem"),
    "crm_owner_ids_hint": (
        "Each CRM names a deal's owner by its own user id: enter it on the member it "
        "belongs to. An empty field removes it.",
        "Hvert CRM oppgir hvem som eier avtalen med sin egen bruker-ID: skriv den inn hos "
        "medlemmet den hører til. Et tomt felt fjerner den.",
        "Varje CRM anger affärens ägare med sitt eget användar-id: skriv in det hos "
        "medlemmen det hör till. Ett tomt fält tar bort det.",
    ),
    "crm_id_taken": (
        "The {crm} owner id {id} already belongs to {name}; take it off them first.",
        "{crm}-ID-en {id} tilhører allerede {name}; fjern den der først.",
        "{crm}-id:t {id} tillhör redan {name}; ta bort det där först.",
    ),
    "crm_nothing_changed": (
        "Nothing to save: change an id first.",
        "Ingenting å lagre: endre en ID først.",
        "Inget att spara: ändra ett id först.",
    ),
    "member_left": ("left", "sluttet", "slutat"),
    # the reward shop on /board: my coins, the rewards, what I redeemed
    "shop": ("Reward shop", "Belønningsbutikk", "Belöningsbutik"),
    "my_coins": ("My coins", "Mine mynter", "Mina mynt"),
    "coins_hint": (
        "Every point you score earns coins; spending them never lowers your score.",
        "Hvert poeng du får, gir mynter; å bruke dem senker aldri poengsummen din.",
        "Varje poäng du får ger mynt; att använda dem sänker aldrig din poäng.",
    ),
    "wallet_line": (
        "earned {earned} · held {held} · spent {spent}",
        "opptjent {earned} · reservert {held} · brukt {spent}",
        "intjänat {earned} · reserverat {held} · använt {spent}",
    ),
    "coins_n": ("{n} coins", "{n} mynter", "{n} mynt"),
    "coins_n_one": ("{n} coin", "{n} mynt", "{n} mynt"),
    "stock_left": ("{n} left", "{n} igjen", "{n} kvar"),
    "per_person": ("at most {n} per person", "maks {n} per person", "högst {n} per person"),
    "out_of_stock": ("Out of stock", "Utsolgt", "Slut i lager"),
    "coins_short": (
        "You need {n} more coins",
        "Du mangler {n} mynter",
        "Du behöver {n} mynt till",
    ),
    "redeem": ("Redeem", "Løs inn", "Lös in"),
    "redeem_for": (
        "Redeem for {cost} coins",
        "Løs inn for {cost} mynter",
        "Lös in för {cost} mynt",
    ),
    "redeem_note": (
        "A note for your manager (optional)",
        "En melding til lederen din (valgfritt)",
        "Ett meddelande till din chef (valfritt)",
    ),
    "redeemed": (
        "Redeemed: {name} waits for your manager's approval.",
        "Løst inn: {name} venter på godkjenning fra lederen din.",
        "Inlöst: {name} väntar på godkännande från din chef.",
    ),
    "shop_refused": (
        "The shop cannot take this now: too few coins, out of stock, your limit or the "
        "team's monthly budget is reached.",
        "Butikken kan ikke ta imot dette nå: for få mynter, utsolgt, eller grensen din "
        "eller lagets månedsbudsjett er nådd.",
        "Butiken kan inte ta emot det här nu: för få mynt, slut i lager, eller din gräns "
        "eller lagets månadsbudget är nådd.",
    ),
    "shop_empty": (
        "There are no rewards in the shop yet.",
        "Det er ingen belønninger i butikken ennå.",
        "Det finns inga belöningar i butiken ännu.",
    ),
    "my_redemptions": ("My redemptions", "Mine innløsninger", "Mina inlösningar"),
    "no_redemptions": ("Nothing redeemed yet.", "Ingenting løst inn ennå.", "Inget inlöst ännu."),
    "note_yours": ("Your note: {note}", "Din melding: {note}", "Ditt meddelande: {note}"),
    "note_line": ("Note: {note}", "Melding: {note}", "Meddelande: {note}"),
    "note_reply": ("Reply: {note}", "Svar: {note}", "Svar: {note}"),
    "state_pending": ("Pending", "Venter", "Väntar"),
    "state_approved": ("Approved", "Godkjent", "Godkänd"),
    "state_declined": ("Declined", "Avslått", "Avslagen"),
    "state_fulfilled": ("Fulfilled", "Utlevert", "Utlämnad"),
    # the coach's rewards on /manage: redemptions to decide; the admin's shop and budget
    "rewards": ("Rewards", "Belønninger", "Belöningar"),
    "to_decide": ("Waiting for a decision", "Venter på avgjørelse", "Väntar på beslut"),
    "nothing_to_decide": (
        "No redemptions are waiting.",
        "Ingen innløsninger venter.",
        "Inga inlösningar väntar.",
    ),
    "recently_decided": ("Recently decided", "Nylig avgjort", "Nyligen avgjorda"),
    "decision_note": ("Note (optional)", "Merknad (valgfritt)", "Anteckning (valfritt)"),
    "approve": ("Approve", "Godkjenn", "Godkänn"),
    "decline": ("Decline", "Avslå", "Avslå"),
    "fulfil": ("Mark fulfilled", "Merk som utlevert", "Markera som utlämnad"),
    "own_redemption": (
        "Your own: an admin decides it.",
        "Din egen: en administrator avgjør den.",
        "Din egen: en administratör avgör den.",
    ),
    "redemption_decided": (
        "{reward} for {who}: {state}.",
        "{reward} til {who}: {state}.",
        "{reward} till {who}: {state}.",
    ),
    "redemption_conflict": (
        "It cannot be done now: it may have been decided already.",
        "Det går ikke nå: den kan allerede være avgjort.",
        "Det går inte nu: den kan redan vara avgjord.",
    ),
    "shop_admin": ("The shop", "Butikken", "Butiken"),
    "reward_name": ("Reward", "Belønning", "Belöning"),
    "cost_coins": ("Cost in coins", "Pris i mynter", "Pris i mynt"),
    "stock": ("Stock", "Lagerbeholdning", "Lagersaldo"),
    "stock_optional": (
        "Stock (empty: no limit)",
        "Lagerbeholdning (tomt: ubegrenset)",
        "Lagersaldo (tomt: obegränsat)",
    ),
    "limit_optional": (
        "Per person (empty: no limit)",
        "Per person (tomt: ubegrenset)",
        "Per person (tomt: obegränsat)",
    ),
    "no_limit": ("no limit", "ubegrenset", "obegränsat"),
    "description_optional": (
        "Description (optional)",
        "Beskrivelse (valgfritt)",
        "Beskrivning (valfritt)",
    ),
    "add_reward": ("Add the reward", "Legg til belønningen", "Lägg till belöningen"),
    "take_off": ("Take off the shop", "Ta ut av butikken", "Ta bort från butiken"),
    "put_back": ("Put back", "Legg tilbake", "Lägg tillbaka"),
    "off_shop": ("off the shop", "ikke i butikken", "inte i butiken"),
    "reward_saved": ("{name} is saved.", "{name} er lagret.", "{name} är sparad."),
    "reward_exists": (
        "There is a reward with that name in the shop already.",
        "Det finnes allerede en belønning med det navnet i butikken.",
        "Det finns redan en belöning med det namnet i butiken.",
    ),
    "reward_nothing_changed": (
        "Nothing to save: change the cost or the stock first.",
        "Ingenting å lagre: endre prisen eller lagerbeholdningen først.",
        "Inget att spara: ändra priset eller lagersaldot först.",
    ),
    "reward_budget": (
        "The team's monthly reward budget in coins (empty: no budget)",
        "Lagets månedlige belønningsbudsjett i mynter (tomt: uten budsjett)",
        "Lagets månatliga belöningsbudget i mynt (tomt: ingen budget)",
    ),
    "reward_budget_saved": (
        "The team's monthly budget is saved.",
        "Lagets månedsbudsjett er lagret.",
        "Lagets månadsbudget är sparad.",
    ),
    # contests: the TV's view, my contests and challenges on /board, the coach's on /manage
    "contests": ("Contests", "Konkurranser", "Tävlingar"),
    "my_contests": ("My contests", "Mine konkurranser", "Mina tävlingar"),
    "no_contests": ("No contest is running.", "Ingen konkurranse pågår.", "Ingen tävling pågår."),
    "no_contests_mine": (
        "You are in no contest right now: challenge a colleague!",
        "Du er ikke med i noen konkurranse nå: utfordre en kollega!",
        "Du är inte med i någon tävling just nu: utmana en kollega!",
    ),
    "format_ranking": ("Ranking", "Rangering", "Rankning"),
    "format_race": ("Race", "Kappløp", "Kapplöpning"),
    "format_tiers": ("Tiers", "Nivåer", "Nivåer"),
    "format_head_to_head": ("Head-to-head", "Duell", "Duell"),
    "format_improvement": ("Most improved", "Mest forbedret", "Mest förbättrad"),
    "format_team_target": ("Team target", "Lagmål", "Lagmål"),
    "format_ranking_hint": (
        "The highest score wins: prizes for places 1 to 3, a minimum score if you like.",
        "Høyest poengsum vinner: premier for plass 1 til 3, og en minstegrense om du vil.",
        "Högst resultat vinner: priser för plats 1 till 3, och en lägsta gräns om du vill.",
    ),
    "format_race_hint": (
        "The first to reach the target wins; the race ends there.",
        "Den første som når målet, vinner; kappløpet slutter der.",
        "Den som först når målet vinner; kapplöpningen slutar där.",
    ),
    "format_tiers_hint": (
        "Everyone who reaches a tier wins its prize: anyone can win.",
        "Alle som når et nivå, vinner premien for det: alle kan vinne.",
        "Alla som når en nivå vinner dess pris: alla kan vinna.",
    ),
    "format_head_to_head_hint": (
        "Two teams against each other, scored per member: a small team meets a big one fairly.",
        "To lag mot hverandre, regnet per medlem: et lite lag møter et stort på like vilkår.",
        "Två lag mot varandra, räknat per medlem: ett litet lag möter ett stort på lika villkor.",
    ),
    "format_improvement_hint": (
        "Each player against their own last period: newcomers and late bloomers can win.",
        "Hver spiller mot sin egen forrige periode: nykommere og de som blomstrer sent, kan vinne.",
        "Varje spelare mot sin egen förra period: nykomlingar "
        "och de som blommar ut sent kan vinna.",
    ),
    "format_team_target_hint": (
        "When the team's total reaches the target, every member wins.",
        "Når lagets sum når målet, vinner hvert medlem.",
        "När lagets summa når målet vinner varje medlem.",
    ),
    "contest_state_proposed": ("Waiting for an answer", "Venter på svar", "Väntar på svar"),
    "contest_state_upcoming": ("Upcoming", "Kommer", "Kommande"),
    "contest_state_running": ("Running", "Pågår", "Pågår"),
    "contest_state_ended": ("Ended", "Avsluttet", "Avslutad"),
    "contest_state_settled": ("Settled", "Avgjort", "Avgjord"),
    "contest_state_cancelled": ("Cancelled", "Avlyst", "Inställd"),
    "contest_state_declined": ("Declined", "Avslått", "Avböjd"),
    "metric_points": ("Points", "Poeng", "Poäng"),
    "metric_deals_won": ("Deals won", "Vunne avtaler", "Vunna affärer"),
    "contest_target": ("target {target}", "mål {target}", "mål {target}"),
    # an improvement contest's row with nothing in the period before: what it scored
    "contest_from_zero": ("{score} (from 0)", "{score} (fra 0)", "{score} (från 0)"),
    "target_value": ("Target", "Mål", "Mål"),
    "tier_n": ("Tier {n}", "Nivå {n}", "Nivå {n}"),
    "reached_n": ("{n} reached", "{n} nådde", "{n} nådde"),
    "versus": ("vs", "mot", "mot"),
    "ends_in_label": ("Ends in", "Slutter om", "Slutar om"),
    "ends_in": ("ends in {left}", "slutter om {left}", "slutar om {left}"),
    "starts_in": ("starts in {left}", "starter om {left}", "börjar om {left}"),
    "contest_ending": ("Ending now", "Slutter nå", "Slutar nu"),
    "days_n": ("{n} days", "{n} dager", "{n} dagar"),
    "days_n_one": ("{n} day", "{n} dag", "{n} dag"),
    "hours_short": ("{h} h", "{h} t", "{h} tim"),
    "hours_minutes": ("{h} h {m} min", "{h} t {m} min", "{h} tim {m} min"),
    "minutes_n": ("{n} min", "{n} minutter", "{n} minuter"),
    "minutes_n_one": ("{n} min", "{n} minutt", "{n} minut"),
    "my_place": (
        "You: #{rank} of {n} · {score}",
        "Du: nr. {rank} av {n} · {score}",
        "Du: nr {rank} av {n} · {score}",
    ),
    "no_score_yet": (
        "No score for you yet.",
        "Du har ingen poengsum ennå.",
        "Du har inget resultat ännu.",
    ),
    "no_scores_yet": (
        "Nobody has scored yet.",
        "Ingen har scoret ennå.",
        "Ingen har gjort poäng ännu.",
    ),
    "to_target": ("To the target", "Mot målet", "Mot målet"),
    "prize_line": ("Prize: {prize}", "Premie: {prize}", "Pris: {prize}"),
    "prize_every_member": (
        "Every member wins {prize}",
        "Hvert medlem vinner {prize}",
        "Varje medlem vinner {prize}",
    ),
    "a_reward": ("a reward", "en belønning", "en belöning"),
    "and_more": ("and {n} more", "og {n} til", "och {n} till"),
    "contest_winner": ("WINNER!", "VINNER!", "VINNARE!"),
    "contest_winners": ("WINNERS!", "VINNERE!", "VINNARNA!"),
    "feed_contest": ("New contest: {name}", "Ny konkurranse: {name}", "Ny tävling: {name}"),
    "feed_challenge_accepted": (
        "{who} took up the challenge: {name}",
        "{who} tok utfordringen: {name}",
        "{who} antog utmaningen: {name}",
    ),
    "feed_contest_won": ("{who} won {name}", "{who} vant {name}", "{who} vann {name}"),
    "feed_contest_over": (
        "{name} is over, with no winner",
        "{name} er over, uten vinner",
        "{name} är över, utan vinnare",
    ),
    # challenges (/board)
    "challenge_colleague": ("Challenge a colleague", "Utfordre en kollega", "Utmana en kollega"),
    "opponent": ("Opponent", "Motstander", "Motståndare"),
    "contest_metric": ("What counts", "Hva som teller", "Vad som räknas"),
    "ends": ("Ends", "Slutter", "Slutar"),
    "end_of_today": ("At the end of today", "Ved slutten av dagen", "Vid dagens slut"),
    "end_of_week": ("At the end of this week", "Ved slutten av uken", "Vid veckans slut"),
    "on_a_date": ("On a day I choose", "En dag jeg velger", "En dag jag väljer"),
    "first_day": ("First day", "Første dag", "Första dagen"),
    "last_day": ("Last day", "Siste dag", "Sista dagen"),
    "prize_optional": ("Prize (optional)", "Premie (valgfritt)", "Pris (valfritt)"),
    "prize_placeholder": (
        "e.g. the loser buys lunch",
        "f.eks. taperen spanderer lunsj",
        "t.ex. förloraren bjuder på lunch",
    ),
    "send_challenge": ("Send the challenge", "Send utfordringen", "Skicka utmaningen"),
    "challenge_sent": (
        "Challenge sent: it starts once {who} accepts.",
        "Utfordringen er sendt: den starter når {who} godtar den.",
        "Utmaningen är skickad: den börjar när {who} antar den.",
    ),
    "challenge_refused": (
        "The challenge cannot be sent now: your team may have all the open challenges it allows.",
        "Utfordringen kan ikke sendes nå: laget ditt har kanskje så "
        "mange åpne utfordringer som det tillater.",
        "Utmaningen kan inte skickas nu: ditt lag har kanske så "
        "många öppna utmaningar som det tillåter.",
    ),
    "challenged_by": ("{who} challenges you!", "{who} utfordrer deg!", "{who} utmanar dig!"),
    "waiting_for": (
        "Waiting for {who} to answer.",
        "Venter på svar fra {who}.",
        "Väntar på svar från {who}.",
    ),
    "accept": ("Accept", "Godta", "Anta"),
    "challenge_accepted": (
        "Challenge accepted: {name} is on. Good luck!",
        "Utfordringen er godtatt: {name} er i gang. Lykke til!",
        "Utmaningen är antagen: {name} har börjat. Lycka till!",
    ),
    "challenge_declined": (
        "You declined {name}.",
        "Du takket nei til {name}.",
        "Du tackade nej till {name}.",
    ),
    "challenge_answer_conflict": (
        "That challenge cannot be answered now: it may have been answered already or have lapsed.",
        "Utfordringen kan ikke besvares nå: den kan allerede være besvart eller utløpt.",
        "Utmaningen kan inte besvaras nu: den kan redan vara besvarad eller ha gått ut.",
    ),
    # contests (/manage)
    "contest_templates": ("Start from a template", "Start fra en mal", "Börja från en mall"),
    "tpl_meetings": (
        "Meetings booked this week",
        "Flest møter booket denne uken",
        "Flest bokade möten den här veckan",
    ),
    "tpl_meetings_hint": (
        "The team's players ranked by meetings booked this week "
        "(by points when meetings are not counted).",
        "Lagets spillere rangert etter bookede møter denne uken "
        "(etter poeng når møter ikke telles).",
        "Lagets spelare rankade efter bokade möten den här "
        "veckan (efter poäng när möten inte räknas).",
    ),
    "tpl_versus": (
        "Team vs team revenue this month",
        "Lag mot lag: omsetning denne måneden",
        "Lag mot lag: intäkter den här månaden",
    ),
    "tpl_versus_hint": (
        "Two teams you choose, revenue per member, this month.",
        "To lag du velger, omsetning per medlem, denne måneden.",
        "Två lag du väljer, intäkter per medlem, den här månaden.",
    ),
    "tpl_improved": (
        "Most improved this month",
        "Mest forbedret denne måneden",
        "Mest förbättrad den här månaden",
    ),
    "tpl_improved_hint": (
        "Points against each player's own last month: anyone can win.",
        "Poeng mot spillerens egen forrige måned: alle kan vinne.",
        "Poäng mot spelarens egen förra månad: alla kan vinna.",
    ),
    "template_filled": (
        "The form is filled in: add prizes if you like, then create the contest.",
        "Skjemaet er fylt ut: legg til premier om du vil, og opprett så konkurransen.",
        "Formuläret är ifyllt: lägg till priser om du vill och skapa sedan tävlingen.",
    ),
    "new_contest": ("A contest of your own", "En egen konkurranse", "En egen tävling"),
    "contest_name": ("Name", "Navn", "Namn"),
    "contest_format": ("Kind of contest", "Type konkurranse", "Typ av tävling"),
    "side_a": ("Team A", "Lag A", "Lag A"),
    "side_b": ("Team B", "Lag B", "Lag B"),
    "sides_differ": (
        "Choose two different teams.",
        "Velg to forskjellige lag.",
        "Välj två olika lag.",
    ),
    "min_score_optional": (
        "Lowest score that wins a prize (optional)",
        "Laveste poengsum som gir premie (valgfritt)",
        "Lägsta resultat som ger pris (valfritt)",
    ),
    "tiers": ("Tiers", "Nivåer", "Nivåer"),
    "tiers_needed": (
        "Give at least one tier a target.",
        "Gi minst ett nivå et mål.",
        "Ge minst en nivå ett mål.",
    ),
    "prizes": ("Prizes", "Premier", "Priser"),
    "prizes_in_order": (
        "Give the places their prizes from #1 down: "
        "a place without a prize cannot come before one with a prize.",
        "Gi plassene premier fra nr. 1 og nedover: en plass uten premie kan ikke komme før en med.",
        "Ge platserna priser från nr 1 och nedåt: en plats utan pris kan inte komma före en med.",
    ),
    "coins": ("Coins", "Mynter", "Mynt"),
    "reward_from_shop": ("Reward from the shop", "Belønning fra butikken", "Belöning från butiken"),
    "prize_words": ("Prize in words", "Premie med ord", "Pris med ord"),
    "repeats": ("Repeats", "Gjentas", "Upprepas"),
    "repeats_never": ("Once", "Én gang", "En gång"),
    "repeats_daily": ("Every day", "Hver dag", "Varje dag"),
    "repeats_weekly": ("Every week", "Hver uke", "Varje vecka"),
    "repeats_monthly": ("Every month", "Hver måned", "Varje månad"),
    "create_contest": ("Create the contest", "Opprett konkurransen", "Skapa tävlingen"),
    "contest_created": ("{name} is created.", "{name} er opprettet.", "{name} är skapad."),
    "contests_now": ("Running and upcoming", "Pågår og kommer", "Pågår och kommande"),
    "contests_ended": (
        "Ended: who won what",
        "Avsluttet: hvem vant hva",
        "Avslutade: vem vann vad",
    ),
    "challenge_mark": ("Challenge", "Utfordring", "Utmaning"),
    "cancel_contest": ("Cancel the contest", "Avlys konkurransen", "Ställ in tävlingen"),
    "cancel_contest_now": (
        "Cancel it: nothing is paid",
        "Avlys den: ingenting betales ut",
        "Ställ in den: inget betalas ut",
    ),
    "keep_contest": ("Keep it", "Behold den", "Behåll den"),
    "contest_cancelled": ("{name} is cancelled.", "{name} er avlyst.", "{name} är inställd."),
    "not_settled_yet": (
        "Ended: the winners are being settled.",
        "Avsluttet: vinnerne avgjøres.",
        "Avslutad: vinnarna avgörs.",
    ),
    "no_winner": ("Nobody won.", "Ingen vant.", "Ingen vann."),
    "challenge_cap_title": ("Challenges", "Utfordringer", "Utmaningar"),
    "challenge_cap_hint": (
        "How many challenges the team's players may have open at once; empty: no limit.",
        "Hvor mange utfordringer lagets spillere kan ha åpne samtidig; tomt: ubegrenset.",
        "Hur många utmaningar lagets spelare får ha öppna samtidigt; tomt: obegränsat.",
    ),
    "challenge_cap": (
        "Open challenges at most",
        "Høyst åpne utfordringer",
        "Högst öppna utmaningar",
    ),
    "cap_saved": (
        "Saved: at most {n} open challenges.",
        "Lagret: høyst {n} åpne utfordringer.",
        "Sparat: högst {n} öppna utmaningar.",
    ),
    "cap_saved_one": (
        "Saved: at most {n} open challenge.",
        "Lagret: høyst {n} åpen utfordring.",
        "Sparat: högst {n} öppen utmaning.",
    ),
    "cap_none": (
        "Saved: no limit on open challenges.",
        "Lagret: ingen grense for åpne utfordringer.",
        "Sparat: ingen gräns för öppna utmaningar.",
    ),
}

# the token roles, as a word that fits inside a sentence ("signed in as …")
ROLES: dict[str, tuple[str, str, str]] = {
    "admin": ("admin", "administrator", "administratör"),
    "manager": ("manager", "leder", "chef"),
    "seller": ("seller", "selger", "säljare"),
    "display": ("display", "skjerm", "skärm"),
    "integration": ("integration", "integrasjon", "integration"),
}

CATEGORIES: dict[str, tuple[str, str, str]] = {
    "deals": ("Deals", "Avtaler", "Affärer"),
    "team_share": ("Team share", "Lagandel", "Lagandel"),
    "assists": ("Assists", "Målgivende", "Assist"),
    "help": ("Kudos", "Skryt", "Beröm"),
    "mentoring": ("Mentoring", "Mentorering", "Mentorskap"),
    "learning": ("Learning", "Læring", "Lärande"),
    "feedback": ("Customer feedback", "Kundetilbakemelding", "Kundåterkoppling"),
    "bonus": ("Goal bonus", "Målbonus", "Målbonus"),
    "activity": ("Activity", "Aktivitet", "Aktivitet"),
}

STRENGTHS: dict[str, tuple[str, str, str]] = {
    "communicator": ("Communicator", "Kommunikator", "Kommunikatör"),
    "big-picture": ("Sees the big picture", "Ser helheten", "Ser helheten"),
    "closer": ("Closer", "Avslutter", "Avslutare"),
    "coach": ("Coach", "Coach", "Coach"),
    "product-expert": ("Product expert", "Produktekspert", "Produktexpert"),
    "listener": ("Listener", "Lytter", "Lyssnare"),
    "organizer": ("Organizer", "Organisator", "Organisatör"),
}

BADGES: dict[str, tuple[str, str, str]] = {
    "first-goal": ("First goal", "Første mål", "Första målet"),
    "hat-trick": ("Hat-trick", "Hat trick", "Hattrick"),
    "playmaker": ("Playmaker", "Playmaker", "Spelfördelare"),
    "mentor": ("Mentor", "Mentor", "Mentor"),
    "student-of-the-game": ("Student of the game", "Lærevillig", "Lärvillig"),
    "team-player": ("Team player", "Lagspiller", "Lagspelare"),
    "voice-of-the-customer": ("Voice of the customer", "Kundens stemme", "Kundens röst"),
}

# the twelve loss-review questions in bokmål and Swedish, in the order the API expects
# the answers (the English ones are core.achievements.LOSS_QUESTIONS)
LOSS_QUESTIONS: tuple[tuple[str, str], ...] = (
    ("Fikk du kontroll på kunden?", "Fick du kontroll över kunden?"),
    ("Fokuserte du på riktig beslutningstaker?", "Fokuserade du på rätt beslutsfattare?"),
    ("Hadde du en coach hos kunden?", "Hade du en coach hos kunden?"),
    (
        "Fikk du frem både den logiske og den psykologiske verdien?",
        "Tydliggjorde du både det logiska och det psykologiska värdet?",
    ),
    (
        "Avdekket du kundens egentlige motiver og verdier?",
        "Tog du reda på kundens verkliga motiv och värderingar?",
    ),
    (
        "Fant du beslutningstakerens personlige «drøm»?",
        "Hittade du beslutsfattarens personliga ”dröm”?",
    ),
    ("Tok du kunden på ordet?", "Tog du kunden på orden?"),
    ("Merket du nøyaktig når muligheten lukket seg?", "Märkte du exakt när möjligheten stängdes?"),
    (
        "Mistolket du informasjon eller misforsto du kunden?",
        "Feltolkade du information eller missförstod du kunden?",
    ),
    ("Fulgte du salgsintuisjonen din?", "Följde du din säljintuition?"),
    ("Brukte du riktig avslutningsstrategi?", "Använde du rätt avslutsstrategi?"),
    ("Burde du jobbet med avtalen i det hele tatt?", "Borde du ha jobbat med affären alls?"),
)
