"""The figures pages' words, French first then English, added to the pages' catalogue
(exchange.web.i18n.MESSAGES) when the pages are loaded, so templates use `t()` as every page does."""

from __future__ import annotations

MONTHS = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
SHORT_MONTHS = {
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}


def plural(name: str, count: float, lang: str) -> str:
    """ "panneau de contreplaqué" → "panneaux de contreplaqué" from 2 on (French);
    "plywood sheet" → "plywood sheets" unless exactly 1 (English)."""
    if lang == "fr":
        if count < 2:
            return name
        first, _, rest = name.partition(" ")
        first = first + ("x" if first.endswith("eau") else "" if first.endswith(("s", "x")) else "s")
        return f"{first} {rest}".strip()
    return name if count == 1 else name + "s"


def lower_first(name: str) -> str:
    """ "Contreplaqué" → "contreplaqué" in a sentence; "MDF" stays."""
    return name if len(name) > 1 and name[1].isupper() else name[:1].lower() + name[1:]


def month_label(month: str, lang: str, short: bool = False) -> str:
    """ "2025-03" → "mars 2025" / "March 2025" (short: "mars 25" / "Mar 25")."""
    year, number = int(month[:4]), int(month[5:7])
    names = (SHORT_MONTHS if short else MONTHS).get(lang, MONTHS["fr"])
    return f"{names[number - 1]} {str(year)[2:] if short else year}"


MESSAGES: dict[str, tuple[str, str]] = {
    "fig.title": ("Chiffres du mois", "Monthly figures"),
    "fig.of_month": ("Chiffres de {month}", "Figures for {month}"),
    "fig.scope_lieu": ("Tout le lieu", "The whole lieu"),
    "fig.scope_workshop": ("Atelier : {name}", "Workshop: {name}"),
    "fig.scope_category": ("Matériau : {name}", "Material: {name}"),
    "fig.month": ("Mois", "Month"),
    "fig.workshop": ("Atelier", "Workshop"),
    "fig.category": ("Matériau", "Material"),
    "fig.all_workshops": ("Tous les ateliers", "All workshops"),
    "fig.all_categories": ("Tous les matériaux", "All materials"),
    "fig.factor_set": ("Jeu de facteurs", "Factor set"),
    "fig.current": ("actuel", "current"),
    "fig.show": ("Afficher", "Show"),
    "fig.headline": ("L'essentiel", "At a glance"),
    "fig.reused": ("Réemployé", "Reused"),
    "fig.reused_help": (
        "matière devenue un objet au lieu d'un déchet (déchet évité)",
        "material that became something instead of waste (waste avoided)",
    ),
    "fig.diverted": ("Détourné", "Diverted"),
    "fig.diverted_help": ("réemployé + recyclé : les « tonnes détournées »", "reused + recycled: kept from the skip"),
    "fig.co2e": ("CO2e évité", "CO2e avoided"),
    "fig.co2e_help": ("estimation, selon le jeu de facteurs {version}", "an estimate, with factor set {version}"),
    "fig.reuse_rate": ("Taux de réemploi", "Reuse rate"),
    "fig.reuse_rate_help": ("réemployé / (réemployé + recyclé + jeté)", "reused / (reused + recycled + discarded)"),
    "fig.no_rate": ("rien n'est sorti", "nothing left"),
    "fig.intake": ("Entrées", "Intake"),
    "fig.recycled": ("Recyclé", "Recycled"),
    "fig.discarded": ("Jeté", "Discarded"),
    "fig.loss": ("Pertes de découpe", "Cutting loss"),
    "fig.adjusted": ("Corrections", "Adjustments"),
    "fig.moved_in": ("Reçu d'autres ateliers", "Moved in"),
    "fig.moved_out": ("Parti vers d'autres ateliers", "Moved out"),
    "fig.opening": ("Stock au début", "Opening stock"),
    "fig.stock": ("Stock à la fin", "Closing stock"),
    "fig.items_reused": ("Pièces réemployées", "Items reused"),
    "fig.kg": ("kg", "kg"),
    "fig.kg_co2e": ("kg CO2e", "kg CO2e"),
    "fig.equivalences": ("Pour se représenter", "To picture it"),
    "fig.equivalence": (
        "{reused} de {material} réemployé : l'équivalent de {count} {object} ({size}) qu'il n'a pas fallu acheter neuf.",
        "{reused} of {material} reused: as much as {count} new {object} ({size}) not bought.",
    ),
    "fig.equivalence_basis": (
        "calcul : {size} × {density} kg/m³ (masse volumique fournie) = {unit} l'unité ; {reused} ÷ {unit} = {exact}, arrondi vers le bas",
        "arithmetic: {size} × {density} kg/m³ (shipped density) = {unit} each; {reused} ÷ {unit} = {exact}, rounded down",
    ),
    "fig.trend": ("Les douze derniers mois", "The last twelve months"),
    "fig.trend_mass": ("Ce qui est sorti du lieu, en kg, par mois", "What left the lieu, in kg, per month"),
    "fig.trend_co2e": ("CO2e évité, en kg, par mois", "CO2e avoided, in kg, per month"),
    "fig.values": ("Les valeurs", "The values"),
    "fig.by_workshop": ("Par atelier", "By workshop"),
    "fig.by_category": ("Par matériau", "By material"),
    "fig.total": ("Total", "Total"),
    "fig.nothing": ("Rien à compter ce mois-ci.", "Nothing to count this month."),
    "fig.balance": ("Bilan matière", "Mass balance"),
    "fig.balance_text": (
        "Stock au début {opening} + entrées {intake} + corrections {adjusted} = réemployé {reused} + recyclé {recycled} + jeté {discarded} + pertes {loss} + stock à la fin {stock}.",
        "Opening stock {opening} + intake {intake} + adjustments {adjusted} = reused {reused} + recycled {recycled} + discarded {discarded} + loss {loss} + closing stock {stock}.",
    ),
    "fig.moves_note": (
        "Pour un atelier, les transferts entrent dans le bilan ; pour le lieu, ils s'annulent.",
        "For a workshop, moves count in the balance; for the lieu, they cancel out.",
    ),
    "fig.used_set": ("Jeu de facteurs utilisé : {version}", "Factor set used: {version}"),
    "fig.methodology": ("Méthode et facteurs", "Method and factors"),
    "fig.report": ("Rapport imprimable", "Printable report"),
    "fig.export": ("Exporter en CSV", "Export as CSV"),
    "fig.export_help": (
        "Une ligne par mois, atelier et matériau ; séparateur point-virgule, virgule décimale.",
        "One row per month, workshop and material; comma-separated, decimal point.",
    ),
    "fig.from": ("Du mois", "From"),
    "fig.to": ("au mois", "to"),
    "fig.download": ("Télécharger", "Download"),
    # The report
    "fig.report_title": ("Rapport mensuel", "Monthly report"),
    "fig.report_of": ("{lieu} — {month}", "{lieu} — {month}"),
    "fig.print_hint": (
        "Imprimez avec Ctrl+P (⌘P sur Mac) : une page A4 par mois.",
        "Print with Ctrl+P (⌘P on a Mac): one A4 page per month.",
    ),
    "fig.period": ("Du {start} au {end} (heure de {tz}).", "From {start} to {end} ({tz} time)."),
    "fig.computed": ("Calculé le {when} à partir du registre.", "Computed on {when} from the ledger."),
    "fig.method_title": ("Méthode", "Method"),
    "fig.method_1": (
        "Ces chiffres sont calculés à partir du seul registre : chaque entrée, déplacement, réemploi, recyclage, mise au rebut, découpe et correction y est un événement daté, jamais modifié. Un mois va de minuit le 1er à minuit le 1er du mois suivant, à l'heure du lieu, changements d'heure compris. Le stock de fin de mois est la somme des événements antérieurs à cet instant, non l'état d'aujourd'hui ; le bilan matière (stock au début + entrées + corrections = réemployé + recyclé + jeté + pertes de découpe + stock à la fin) est vérifié pour le lieu, chaque atelier et chaque matériau.",
        "These figures are computed from the ledger alone: every intake, move, reuse, recycling, discard, cut and correction is a dated event in it, never edited. A month runs from midnight on the 1st to midnight on the 1st of the next month in the lieu's time zone, daylight-saving changes included. The month-end stock is the sum of the events before that instant, not today's state; the mass balance (opening stock + intake + adjustments = reused + recycled + discarded + cutting loss + closing stock) is checked for the lieu, each workshop and each material.",
    ),
    "fig.method_2": (
        "Le CO2e évité est la masse réemployée multipliée par le facteur de production de la matière neuve de sa catégorie (kg CO2e par kg, du berceau à la sortie d'usine), plus la masse recyclée multipliée par un crédit de recyclage lorsqu'une source permet de le calculer, zéro sinon. Chaque facteur cite sa source (ICE, facteurs du gouvernement britannique DESNZ…) ; le lieu peut en remplacer un, ce qui crée une nouvelle version du jeu de facteurs, et tout mois peut être recalculé avec n'importe quelle version. C'est une émission évitée, à présenter à côté d'une empreinte et jamais à en déduire.",
        "CO2e avoided is the reused mass times its category's production factor for new material (kg CO2e per kg, cradle to gate), plus the recycled mass times a recycling credit where a source allows one to be derived, zero otherwise. Each factor names its source (ICE, UK government DESNZ factors…); the lieu may replace one, which makes a new version of the factor set, and any month can be recomputed with any version. It is an avoided emission, to be shown beside a footprint and never subtracted from it.",
    ),
    "fig.report_factors": (
        "Chaque facteur d'émission de ce jeu, sa valeur, sa source et sa note figurent sur la page « Méthode et facteurs » du lieu (version {version}).",
        "Every emission factor of this set, with its value, source and note, is on the lieu's “Method and factors” page (version {version}).",
    ),
    # The methodology page
    "fig.method_page": ("Méthode et facteurs d'émission", "Method and emission factors"),
    "fig.definitions": ("Définitions", "Definitions"),
    "fig.def_intake": (
        "masse des pièces enregistrées (les morceaux d'une découpe n'en sont pas)",
        "mass of items logged in (pieces of a cut are not intake)",
    ),
    "fig.def_reused": (
        "masse des pièces dont l'utilisation tombe dans le mois",
        "mass of items whose use falls in the month",
    ),
    "fig.def_recycled": ("masse envoyée au recyclage dans le mois", "mass sent to recycling in the month"),
    "fig.def_discarded": (
        "masse jetée (benne, enfouissement, incinération) dans le mois",
        "mass discarded (skip, landfill, incineration) in the month",
    ),
    "fig.def_loss": (
        "sciure, chants abîmés, chutes trop petites : la différence entre une pièce et ses morceaux",
        "sawdust, broken edges, strips too small to keep: a piece minus its pieces",
    ),
    "fig.def_adjusted": (
        "somme des changements de masse faits par des corrections",
        "sum of the mass changes made by corrections",
    ),
    "fig.def_stock": (
        "masse disponible ou réservée à la fin du mois",
        "mass available or reserved at the end of the month",
    ),
    "fig.def_co2e": (
        "réemployé × facteur de réemploi + recyclé × facteur de recyclage, par matériau",
        "reused × reuse factor + recycled × recycling factor, per material",
    ),
    "fig.factors": ("Les facteurs du jeu {version}", "The factors of set {version}"),
    "fig.factor_kind": ("Usage", "Use"),
    "fig.kind_reuse": ("réemploi", "reuse"),
    "fig.kind_recycle": ("recyclage", "recycling"),
    "fig.value": ("Valeur", "Value"),
    "fig.unit": ("Unité", "Unit"),
    "fig.source": ("Source", "Source"),
    "fig.note": ("Note", "Note"),
    "fig.versions": ("Versions du jeu de facteurs", "Factor set versions"),
    "fig.created": ("créé le {when}", "created on {when}"),
    "fig.override": ("Remplacer un facteur", "Override a factor"),
    "fig.override_help": (
        "Crée une nouvelle version du jeu de facteurs, copie de l'actuelle avec ce facteur remplacé. Les chiffres passés restent recalculables avec l'ancienne version.",
        "Makes a new version of the factor set, a copy of the current one with this factor replaced. Past figures can still be recomputed with the old version.",
    ),
    "fig.override_value": ("Valeur (kg CO2e par kg)", "Value (kg CO2e per kg)"),
    "fig.override_source": ("Source (base de données, étude…)", "Source (dataset, study…)"),
    "fig.override_version": ("Édition de la source", "Source edition"),
    "fig.override_entry": ("Entrée dans la source", "Entry in the source"),
    "fig.override_submit": ("Créer la nouvelle version", "Make the new version"),
    "fig.overridden": ("Nouveau jeu de facteurs : {version}.", "New factor set: {version}."),
    "fig.bad_value": (
        "La valeur doit être un nombre entre 0 et 1000.",
        "The value must be a number between 0 and 1000.",
    ),
    "fig.csv_note": (
        "Export CSV : UTF-8 avec BOM, séparateur virgule, point décimal (12.500), masses en kg au gramme près, taux de réemploi en fraction (0.2500), vide quand rien n'est sorti.",
        "CSV export: UTF-8 with a BOM, comma-separated, decimal point (12.500), masses in kg to the gram, reuse rate as a fraction (0.2500), empty when nothing left.",
    ),
}


def register() -> None:
    """Add the figures' words to the pages' catalogue (keys already there are left alone)."""
    from exchange.web import i18n

    for key, pair in MESSAGES.items():
        i18n.MESSAGES.setdefault(key, pair)
