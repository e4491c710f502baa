"""The pages' words in French (the default) and English, and numbers and dates in the reader's locale.

One catalogue: each key maps to its (French, English) text, side by side so that a missing
translation shows up when reading the file. Placeholders use str.format names: {code}.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from exchange.settings import get_settings

LANGS = ("fr", "en")
DEFAULT_LANG = "fr"
LANG_COOKIE = "exchange_lang"

MESSAGES: dict[str, tuple[str, str]] = {
    # The frame of every page
    "app.name": ("Matériauthèque", "Material exchange"),
    "nav.label": ("Navigation principale", "Main navigation"),
    "nav.skip": ("Aller au contenu", "Skip to content"),
    "nav.home": ("Accueil", "Home"),
    "nav.scan": ("Scanner", "Scan"),
    "nav.items": ("Chutes disponibles", "Available scrap"),
    "nav.new": ("Enregistrer", "Log an offcut"),
    "nav.labels": ("Étiquettes", "Labels"),
    "nav.figures": ("Chiffres", "Figures"),
    "nav.reservations": ("Mes réservations", "My reservations"),
    "nav.admin": ("Administration", "Admin"),
    "nav.login": ("Se connecter", "Log in"),
    "nav.logout": ("Se déconnecter", "Log out"),
    "nav.logged_in_as": ("Connecté·e : {name}", "Logged in: {name}"),
    "nav.language": ("Langue", "Language"),
    "nav.switch_to": ("English", "Français"),
    "footer.text": (
        "Chaque chute étiquetée est une chute qui ne part pas à la benne.",
        "Every labelled offcut is one that stays out of the skip.",
    ),
    "footer.api": ("API et documentation", "API and documentation"),
    # Home
    "home.title": ("Accueil", "Home"),
    "home.lead": (
        "Les chutes et matériaux du lieu : scannez une étiquette, trouvez une pièce, dites ce que vous en avez fait.",
        "The lieu's offcuts and materials: scan a label, find a piece, say what you made of it.",
    ),
    "home.scan": ("Scanner une étiquette", "Scan a label"),
    "home.browse": ("Voir les chutes disponibles", "Browse available scrap"),
    "home.new": ("Enregistrer une chute", "Log an offcut"),
    "home.labels": ("Imprimer des étiquettes", "Print labels"),
    "home.code_label": ("Code de l'étiquette", "Code on the label"),
    "home.code_hint": ("8 signes, par exemple 7K3M-Q9XJ", "8 symbols, for example 7K3M-Q9XJ"),
    "home.code_go": ("Ouvrir", "Open"),
    "home.type_code": ("Étiquette abîmée ? Tapez son code", "Torn label? Type its code"),
    "home.recent": ("Derniers arrivages", "Just in"),
    "home.none": ("Aucune chute disponible pour l'instant.", "No scrap available right now."),
    # Login
    "login.title": ("Connexion", "Log in"),
    "login.email": ("Adresse e-mail", "E-mail address"),
    "login.password": ("Mot de passe", "Password"),
    "login.submit": ("Se connecter", "Log in"),
    "login.failed": ("E-mail inconnu ou mot de passe erroné.", "Unknown e-mail or wrong password."),
    "login.welcome": ("Bonjour {name} !", "Hello {name}!"),
    "login.bye": ("Vous êtes déconnecté·e.", "You are logged out."),
    "login.needed": ("Connectez-vous pour continuer.", "Log in to continue."),
    # Statuses, roles, mass sources, event kinds
    "status.available": ("disponible", "available"),
    "status.reserved": ("réservé", "reserved"),
    "status.used": ("utilisé", "used"),
    "status.recycled": ("recyclé", "recycled"),
    "status.discarded": ("jeté", "discarded"),
    "status.split": ("découpé", "cut up"),
    "role.member": ("membre", "member"),
    "role.steward": ("responsable d'atelier", "workshop steward"),
    "role.coordinator": ("coordination", "coordinator"),
    "mass.weighed": ("pesé", "weighed"),
    "mass.estimated": ("estimé", "estimated"),
    "mass.unknown": ("non pesé", "not weighed"),
    # The item page
    "item.code": ("Code", "Code"),
    "item.category": ("Matériau", "Material"),
    "item.dimensions": ("Dimensions", "Dimensions"),
    "item.dimensions_hint": ("longueur × largeur × épaisseur", "length × width × thickness"),
    "item.quantity": ("Quantité", "Quantity"),
    "item.pieces": ("{n} pièces", "{n} pieces"),
    "item.mass": ("Masse", "Mass"),
    "item.condition": ("État", "Condition"),
    "item.workshop": ("Atelier", "Workshop"),
    "item.status": ("Statut", "Status"),
    "item.held_by": ("Réservé par", "Held by"),
    "item.held_until": ("Jusqu'au", "Until"),
    "item.held_anonymous": ("un·e membre", "a member"),
    "item.parent": ("Découpé dans", "Cut from"),
    "item.origin": ("Provenance", "Origin"),
    "item.note": ("Note", "Note"),
    "item.logged": ("Enregistré le", "Logged on"),
    "item.photo_alt": ("Photo de : {title}", "Photo of: {title}"),
    "item.no_photo": ("Pas encore de photo", "No photo yet"),
    "item.history": ("Historique", "History"),
    "item.actions": ("Que voulez-vous faire ?", "What would you like to do?"),
    "item.login_to_act": (
        "Connectez-vous pour réserver ou utiliser cette pièce.",
        "Log in to reserve or use this piece.",
    ),
    "item.final": (
        "Cette pièce a fini son parcours dans la matériauthèque.",
        "This piece's journey through the exchange is over.",
    ),
    "item.nothing_for_you": (
        "Elle est réservée par quelqu'un d'autre : rien à faire pour vous ici pour l'instant.",
        "It is reserved by someone else: nothing for you to do here for now.",
    ),
    "item.label_image": ("Voir l'étiquette", "See the label"),
    "item.print_label": ("Imprimer son étiquette", "Print its label"),
    "item.pieces_of": ("Les morceaux :", "The pieces:"),
    "act.reserve": ("Réserver pour {hours} h", "Reserve for {hours} h"),
    "act.reserve_help": (
        "Elle vous attend {hours} heures ; ensuite elle redevient disponible toute seule.",
        "It waits for you {hours} hours; then it becomes available again by itself.",
    ),
    "act.extend": ("Prolonger de {hours} h", "Extend by {hours} h"),
    "act.release": ("Lever la réservation", "Release it"),
    "act.use": ("Je l'ai utilisée", "I used it"),
    "act.use_project": ("Pour quoi ? (projet, facultatif)", "What for? (project, optional)"),
    "act.use_part": ("J'en ai utilisé une partie", "I used part of it"),
    "act.use_part_help": (
        "Indiquez la partie utilisée et ce qui reste : le reste devient une nouvelle pièce, avec sa propre étiquette.",
        "Give the part you used and what is left: the rest becomes a new piece, with its own label.",
    ),
    "act.used_part": ("Partie utilisée", "Part used"),
    "act.rest": ("Ce qui reste", "What is left"),
    "act.length": ("Longueur (mm)", "Length (mm)"),
    "act.width": ("Largeur (mm)", "Width (mm)"),
    "act.thickness": ("Épaisseur (mm)", "Thickness (mm)"),
    "act.quantity": ("Nombre de pièces", "Number of pieces"),
    "act.use_part_submit": ("Enregistrer la découpe", "Record the cut"),
    "act.move": ("Déplacer", "Move"),
    "act.move_to": ("Vers l'atelier", "To workshop"),
    "act.recycle": ("Envoyer au recyclage", "Send to recycling"),
    "act.recycle_channel": ("Filière (facultatif)", "Channel (optional)"),
    "act.discard": ("Jeter", "Discard"),
    "act.discard_help": (
        "Seulement si elle n'est plus bonne à rien, même au recyclage.",
        "Only if it is good for nothing, not even recycling.",
    ),
    "act.discard_note": ("Pourquoi ? (facultatif)", "Why? (optional)"),
    "act.discard_confirm": ("Oui, la jeter", "Yes, discard it"),
    "act.photo": ("Ajouter une photo", "Add a photo"),
    "act.photo_file": ("Photo", "Photo"),
    "act.photo_submit": ("Enregistrer la photo", "Save the photo"),
    # What happened, and what to do next
    "done.reserved": (
        "Réservée pour vous jusqu'au {until}. Passez la prendre avant, ou levez la réservation.",
        "Reserved for you until {until}. Pick it up before then, or release it.",
    ),
    "done.released": (
        "Réservation levée : la pièce est de nouveau disponible.",
        "Released: the piece is available again.",
    ),
    "done.used": (
        "C'est noté : {title} a été utilisée. Merci, elle ne finira pas à la benne ! Retirez son étiquette.",
        "Recorded: {title} was used. Thank you, it will not end up in the skip! Peel off its label.",
    ),
    "done.used_for": (
        "C'est noté : {title} a servi pour « {project} ». Merci ! Retirez son étiquette.",
        "Recorded: {title} was used for “{project}”. Thank you! Peel off its label.",
    ),
    "done.used_part": (
        "C'est noté : une partie de {parent} a été utilisée. Le reste est une nouvelle pièce, {code} : imprimez son étiquette et collez-la dessus.",
        "Recorded: part of {parent} was used. The rest is a new piece, {code}: print its label and stick it on.",
    ),
    "done.moved": ("Déplacée vers {workshop}. Rangez-la là-bas.", "Moved to {workshop}. Put it away there."),
    "done.recycled": (
        "Envoyée au recyclage. Déposez-la dans la bonne benne et retirez son étiquette.",
        "Sent to recycling. Put it in the right bin and peel off its label.",
    ),
    "done.discarded": ("Jetée. Retirez son étiquette.", "Discarded. Peel off its label."),
    "done.photo": ("Photo enregistrée.", "Photo saved."),
    "done.logged": ("Enregistrée : {title}, code {code}.", "Logged: {title}, code {code}."),
    "next.print_label": ("Imprimer l'étiquette", "Print the label"),
    "next.print_new_label": ("Imprimer la nouvelle étiquette", "Print the new label"),
    "next.see_item": ("Voir la pièce", "See the piece"),
    # The ledger in words
    "ev.intake": ("Enregistré à {workshop}", "Logged in at {workshop}"),
    "ev.move": ("Déplacé de {origin} à {workshop}", "Moved from {origin} to {workshop}"),
    "ev.reserve": ("Réservé jusqu'au {until}", "Reserved until {until}"),
    "ev.release": ("Réservation levée", "Released"),
    "ev.expired": ("Réservation expirée", "Reservation expired"),
    "ev.use": ("Utilisé", "Used"),
    "ev.use_for": ("Utilisé pour « {project} »", "Used for “{project}”"),
    "ev.recycle": ("Envoyé au recyclage", "Sent to recycling"),
    "ev.recycle_to": ("Envoyé au recyclage ({channel})", "Sent to recycling ({channel})"),
    "ev.discard": ("Jeté", "Discarded"),
    "ev.split": ("Découpé en {n} morceau(x), perte {loss}", "Cut into {n} piece(s), loss {loss}"),
    "ev.piece": ("Découpé dans {parent}", "Cut from {parent}"),
    "ev.adjust": ("Corrigé", "Corrected"),
    "ev.adjust_what": ("Corrigé ({what})", "Corrected ({what})"),
    # Missing, mistyped and blank codes
    "code.mistyped_title": ("Code mal tapé", "Mistyped code"),
    "code.mistyped": (
        "Le code « {code} » est mal tapé : son dernier signe (le signe de contrôle) ne correspond pas. Comparez chaque signe avec l'étiquette.",
        "The code “{code}” is mistyped: its last symbol (the check symbol) does not match. Compare each symbol with the label.",
    ),
    "code.malformed_title": ("Ce n'est pas un code", "This is not a code"),
    "code.malformed": (
        "« {code} » n'est pas un code d'étiquette : un code a 8 signes, chiffres et lettres sauf I, L, O et U, comme 7K3M-Q9XJ.",
        "“{code}” is not a label code: a code has 8 symbols, digits and letters except I, L, O and U, like 7K3M-Q9XJ.",
    ),
    "code.unknown_title": ("Code inconnu", "Unknown code"),
    "code.unknown": ("Aucune pièce ne porte le code {code}.", "No piece holds the code {code}."),
    "code.blank_title": ("Étiquette vierge", "Blank label"),
    "code.blank": (
        "Le code {code} est une étiquette pré-imprimée qui n'a pas encore de pièce.",
        "The code {code} is a pre-printed label that has no piece yet.",
    ),
    "code.blank_log": ("Enregistrer une pièce avec ce code", "Log a piece with this code"),
    "code.blank_ask": (
        "Un·e responsable d'atelier peut y enregistrer une pièce.",
        "A workshop steward can log a piece with it.",
    ),
    "code.try_again": ("Retaper le code", "Type the code again"),
    "code.empty": ("Tapez le code de l'étiquette.", "Type the code on the label."),
    # The list of available scrap
    "items.title": ("Chutes disponibles", "Available scrap"),
    "items.filters": ("Filtrer", "Filter"),
    "items.q": ("Recherche", "Search"),
    "items.q_hint": ("titre, code ou note", "title, code or note"),
    "items.category_any": ("Tous les matériaux", "All materials"),
    "items.workshop_any": ("Tous les ateliers", "All workshops"),
    "items.min_length": ("Longueur min. (mm)", "Min. length (mm)"),
    "items.min_width": ("Largeur min. (mm)", "Min. width (mm)"),
    "items.thickness": ("Épaisseur (mm)", "Thickness (mm)"),
    "items.fit": ("Il me faut une pièce de…", "I need a piece of…"),
    "items.fit_help": (
        "Longueur × largeur × épaisseur en mm : les pièces où on peut la découper, la moins gaspillée d'abord.",
        "Length × width × thickness in mm: the pieces it can be cut from, least waste first.",
    ),
    "items.fit_incomplete": (
        "Pour « il me faut une pièce de… », donnez la longueur, la largeur et l'épaisseur.",
        "For “I need a piece of…”, give the length, the width and the thickness.",
    ),
    "items.search": ("Chercher", "Search"),
    "items.reset": ("Tout effacer", "Clear all"),
    "items.count_page": ("{n} pièce(s) sur cette page.", "{n} piece(s) on this page."),
    "items.best_first": ("La mieux ajustée d'abord.", "Best fit first."),
    "items.none": ("Rien ne correspond. Élargissez la recherche ?", "Nothing matches. Widen the search?"),
    "items.next": ("Page suivante", "Next page"),
    "items.first": ("Première page", "First page"),
    "items.leftover": ("chute restante {area} m²", "leftover {area} m²"),
    # Logging an offcut
    "new.title": ("Enregistrer une chute", "Log an offcut"),
    "new.photo": ("Photo", "Photo"),
    "new.photo_hint": (
        "Prenez-la avec l'appareil du téléphone (facultatif).",
        "Take it with the phone's camera (optional).",
    ),
    "new.category": ("Matériau", "Material"),
    "new.choose": ("— choisir —", "— choose —"),
    "new.title_field": ("Titre", "Title"),
    "new.title_hint": (
        "Facultatif : sinon le matériau et les dimensions.",
        "Optional: otherwise the material and dimensions.",
    ),
    "new.workshop": ("Atelier", "Workshop"),
    "new.length": ("Longueur (mm)", "Length (mm)"),
    "new.width": ("Largeur (mm)", "Width (mm)"),
    "new.thickness": ("Épaisseur (mm)", "Thickness (mm)"),
    "new.quantity": ("Nombre de pièces", "Number of pieces"),
    "new.mass": ("Poids pesé (kg)", "Weighed mass (kg)"),
    "new.mass_hint": (
        "Facultatif : sinon estimé à partir des dimensions.",
        "Optional: otherwise estimated from the dimensions.",
    ),
    "new.estimate": ("Masse estimée :", "Estimated mass:"),
    "new.estimate_none": ("— (donnez les trois dimensions)", "— (give all three dimensions)"),
    "new.estimate_weigh": ("— (ce matériau se pèse)", "— (this material is weighed)"),
    "new.condition": ("État", "Condition"),
    "new.condition_hint": ("Par exemple : bon, rayé, à poncer", "For example: good, scratched, needs sanding"),
    "new.origin": ("Provenance", "Origin"),
    "new.note": ("Note", "Note"),
    "new.code": ("Code de l'étiquette pré-imprimée", "Code of the pre-printed label"),
    "new.save_label": ("Enregistrer et imprimer l'étiquette", "Save and print the label"),
    "new.save_another": ("Enregistrer et en saisir une autre", "Save and log another"),
    "new.errors": ("Vérifiez les champs signalés.", "Check the fields marked below."),
    "new.photo_again": ("Choisissez à nouveau la photo.", "Choose the photo again."),
    "new.more": ("Plus de détails", "More details"),
    # Labels
    "labels.title": ("Étiquettes", "Labels"),
    "labels.pick": ("Les pièces à étiqueter", "The pieces to label"),
    "labels.today": ("Tout ce qui a été enregistré aujourd'hui", "Everything logged today"),
    "labels.split_of": ("Les morceaux de la pièce", "The pieces cut from"),
    "labels.split_show": ("Afficher", "Show"),
    "labels.more": (
        "Autres codes (séparés par des espaces ou des virgules)",
        "Other codes (separated by spaces or commas)",
    ),
    "labels.none": ("Aucune pièce choisie pour l'instant.", "No piece chosen yet."),
    "labels.layout": ("Format", "Layout"),
    "labels.start": ("Commencer à la position", "Start at position"),
    "labels.start_help": (
        "Sur une planche déjà entamée : le numéro de la première étiquette libre (1 à {n} pour ce format, de gauche à droite puis de haut en bas).",
        "On a sheet already in use: the number of the first free label (1 to {n} on this layout, left to right, then top to bottom).",
    ),
    "labels.pdf": ("Télécharger le PDF", "Download the PDF"),
    "labels.print_hint": (
        "Imprimez à 100 % (taille réelle), sans « ajuster à la page ».",
        "Print at 100% (actual size), without “fit to page”.",
    ),
    "labels.no_codes": ("Choisissez au moins une pièce.", "Choose at least one piece."),
    "labels.unavailable": (
        "Les planches d'étiquettes ne sont pas encore disponibles sur ce serveur.",
        "Label sheets are not available on this server yet.",
    ),
    "layout.a4-3x7": (
        "A4, 3 × 7 étiquettes de 63,5 × 38,1 mm (Avery L7160)",
        "A4, 3 × 7 labels of 63.5 × 38.1 mm (Avery L7160)",
    ),
    "layout.a4-3x8": (
        "A4, 3 × 8 étiquettes de 70 × 37 mm (bord à bord)",
        "A4, 3 × 8 labels of 70 × 37 mm (edge to edge)",
    ),
    "layout.a4-2x7": (
        "A4, 2 × 7 étiquettes de 99,1 × 38,1 mm (Avery L7163)",
        "A4, 2 × 7 labels of 99.1 × 38.1 mm (Avery L7163)",
    ),
    "layout.roll-62": (
        "Imprimante à étiquettes, rouleau de 62 mm (62 × 40 mm)",
        "Label printer, 62 mm roll (62 × 40 mm)",
    ),
    "layout.label-29x62": ("Imprimante à étiquettes, étiquettes de 29 × 62 mm", "Label printer, 29 × 62 mm labels"),
    # My reservations
    "mine.title": ("Mes réservations", "My reservations"),
    "mine.none": ("Vous n'avez rien réservé en ce moment.", "You have nothing reserved right now."),
    "mine.until": ("jusqu'au {until}", "until {until}"),
    # Admin
    "admin.title": ("Administration", "Admin"),
    "admin.members": ("Membres", "Members"),
    "admin.workshops": ("Ateliers", "Workshops"),
    "admin.categories": ("Matériaux", "Materials"),
    "admin.name": ("Nom", "Name"),
    "admin.email": ("E-mail", "E-mail"),
    "admin.role": ("Rôle", "Role"),
    "admin.password": ("Mot de passe (8 caractères au moins)", "Password (at least 8 characters)"),
    "admin.add_member": ("Ajouter un·e membre", "Add a member"),
    "admin.member_added": ("{name} peut maintenant se connecter.", "{name} can now log in."),
    "admin.slug": (
        "Identifiant (minuscules et tirets, ex. bois-1)",
        "Identifier (lower case and hyphens, e.g. wood-1)",
    ),
    "admin.add_workshop": ("Ajouter un atelier", "Add a workshop"),
    "admin.workshop_added": ("Atelier {name} ajouté.", "Workshop {name} added."),
    "admin.density": ("Masse volumique", "Density"),
    "admin.reuse_factor": ("Facteur réemploi", "Reuse factor"),
    "admin.recycle_factor": ("Facteur recyclage", "Recycling factor"),
    "admin.source": ("Source", "Source"),
    "admin.factors_note": (
        "Facteurs en kg CO2e par kg, jeu de facteurs {version}. Chaque valeur cite sa source.",
        "Factors in kg CO2e per kg, factor set {version}. Each value names its source.",
    ),
    "admin.weighed_only": ("se pèse", "weighed"),
    "admin.active": ("Actif", "Active"),
    "admin.save": ("Enregistrer", "Save"),
    "admin.member_updated": ("Membre mis·e à jour.", "Member updated."),
    "admin.yes": ("oui", "yes"),
    "admin.no": ("non", "no"),
    # Errors
    "error.404_title": ("Page introuvable", "Page not found"),
    "error.404": (
        "Cette page n'existe pas (ou plus). Vérifiez l'adresse, ou repartez de l'accueil.",
        "This page does not exist (or no longer does). Check the address, or start again from home.",
    ),
    "error.403_title": ("Accès réservé", "Not allowed"),
    "error.403": (
        "Votre rôle ne permet pas cela. Demandez à un·e responsable d'atelier ou à la coordination.",
        "Your role does not allow this. Ask a workshop steward or the coordinator.",
    ),
    "error.csrf": (
        "Le formulaire a expiré ou vient d'ailleurs : rechargez la page et recommencez.",
        "The form has expired or came from elsewhere: reload the page and try again.",
    ),
    "error.500_title": ("Quelque chose s'est mal passé", "Something went wrong"),
    "error.500": (
        "Une erreur de notre côté ; rien n'a été enregistré. Réessayez dans un instant.",
        "An error on our side; nothing was recorded. Try again in a moment.",
    ),
    "error.generic_title": ("Impossible", "Not possible"),
    "error.back_home": ("Retour à l'accueil", "Back to home"),
    "error.form": ("Vérifiez le formulaire : {detail}", "Check the form: {detail}"),
    "error.too_big": ("Fichier trop gros (10 Mo au plus).", "File too large (10 MB at most)."),
    "error.photo": (
        "Cette photo n'a pas pu être lue : envoyez un JPEG, PNG ou WebP.",
        "This photo could not be read: send a JPEG, PNG or WebP.",
    ),
    "field.required": ("obligatoire", "required"),
    "field.number": ("un nombre entier de 1 à {max}", "a whole number from 1 to {max}"),
    "field.mass": ("un poids en kg, plus de 0 et jusqu'à 10 000", "a mass in kg, above 0 and up to 10,000"),
    "field.too_long": ("trop long", "too long"),
}

# The ledger's refusals are written in English; the pages show them in the reader's language.
# Each pattern maps an English message to its French version (named groups carry the values).
_ERRORS_FR: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), fr)
    for p, fr in [
        (
            r"This item is already used: nothing more can be done with it\.",
            "Cette pièce est déjà utilisée : on ne peut plus rien en faire.",
        ),
        (
            r"This item is already recycled: nothing more can be done with it\.",
            "Cette pièce est déjà recyclée : on ne peut plus rien en faire.",
        ),
        (
            r"This item is already discarded: nothing more can be done with it\.",
            "Cette pièce est déjà jetée : on ne peut plus rien en faire.",
        ),
        (
            r"This item is already split into pieces: act on its pieces instead\.",
            "Cette pièce est déjà découpée : agissez sur ses morceaux.",
        ),
        (r"Only a (?P<role>\w+) or above can (?P<action>\w+) an item\.", "Il faut être {role} (ou plus) pour cela."),
        (r"Only a (?P<role>\w+) or above can do this\.", "Il faut être {role} (ou plus) pour cela."),
        (r"This item is reserved by someone else\.", "Cette pièce est réservée par quelqu'un d'autre."),
        (r"This item is not reserved: there is nothing to release\.", "Cette pièce n'est pas réservée : rien à lever."),
        (
            r"This item is reserved by someone else: only they or a steward can release it\.",
            "Cette pièce est réservée par quelqu'un d'autre : seule cette personne ou un·e responsable peut lever la réservation.",
        ),
        (
            r"This item is reserved by someone else: only they can use it\.",
            "Cette pièce est réservée par quelqu'un d'autre : seule cette personne peut l'utiliser.",
        ),
        (
            r"This item is reserved: release it first, then (?P<action>\w+) it\.",
            "Cette pièce est réservée : levez d'abord la réservation.",
        ),
        (
            r"Someone else (?:acted on this item|did the same) at the same moment; look again\.",
            "Quelqu'un d'autre vient d'agir sur cette pièce au même moment ; regardez à nouveau.",
        ),
        (r"This item is already in (?P<name>.+)\.", "Cette pièce est déjà à {name}."),
        (r"This reservation would already be over\.", "Cette réservation serait déjà terminée."),
        (
            r"This item has no mass yet: weigh it \(adjust\) before cutting it\.",
            "Cette pièce n'a pas encore de masse : pesez-la avant de la découper.",
        ),
        (r"No item holds the code (?P<code>.+)\.", "Aucune pièce ne porte le code {code}."),
        (
            r"The code (?P<code>.+) is already claimed by another item\.",
            "Le code {code} est déjà pris par une autre pièce.",
        ),
        (r"Unknown category '(?P<slug>.*)'\.", "Matériau inconnu : {slug}."),
        (r"Unknown workshop '(?P<slug>.*)'\.", "Atelier inconnu : {slug}."),
        (
            r"Piece (?P<n>\d+) is thicker than the piece it is cut from \((?P<a>\d+) mm > (?P<b>\d+) mm\)\.",
            "Le morceau {n} est plus épais que la pièce d'origine ({a} mm > {b} mm).",
        ),
        (
            r"Piece (?P<n>\d+) \((?P<l>\d+) x (?P<w>\d+) mm\) does not fit in the piece it is cut from \((?P<pl>\d+) x (?P<pw>\d+) mm\)\.",
            "Le morceau {n} ({l} × {w} mm) ne tient pas dans la pièce d'origine ({pl} × {pw} mm).",
        ),
        (
            r"The pieces would weigh more than the piece they are cut from \((?P<a>[\d.]+) kg > (?P<b>[\d.]+) kg\)\.",
            "Les morceaux pèseraient plus que la pièce d'origine ({a} kg > {b} kg).",
        ),
        (
            r"Write the part's size as length x width x thickness in mm, e\.g\. 600x400x18\.",
            "Donnez la taille de la pièce voulue : longueur × largeur × épaisseur en mm, par exemple 600x400x18.",
        ),
        (
            r"Each size must be between 1 and (?P<max>\d+) mm\.",
            "Chaque dimension doit être comprise entre 1 et {max} mm.",
        ),
        (
            r"A slug is lower-case letters, digits and single hyphens, e\.g\. bois-1\.",
            "Un identifiant est fait de minuscules, de chiffres et de tirets simples, par exemple bois-1.",
        ),
        (r"A workshop with the slug '(?P<slug>.*)' already exists\.", "Un atelier d'identifiant {slug} existe déjà."),
        (r"the password needs at least (?P<n>\d+) characters", "le mot de passe doit avoir au moins {n} caractères"),
        (r"an e-mail address needs an @", "une adresse e-mail contient un @"),
        (r"a member with the e-mail (?P<email>.+) already exists", "un·e membre a déjà l'adresse {email}"),
        (
            r"Too many failed logins: wait a quarter of an hour, or ask a steward\.",
            "Trop de tentatives de connexion : attendez un quart d'heure, ou demandez à un·e responsable.",
        ),
        (r"Name at least one code\.", "Choisissez au moins une pièce."),
        (
            r"Text may not contain the NUL character \(U\+0000\)\.",
            "Le texte ne peut pas contenir le caractère NUL (U+0000).",
        ),
        (
            r"start is a position from 1 to (?P<n>\d+) on a (?P<layout>\S+) sheet\.",
            "La position de départ va de 1 à {n} sur une planche {layout}.",
        ),
        (r"At most (?P<n>\d+) labels at once\.", "Au plus {n} étiquettes à la fois."),
        (r"Unknown layout .*", "Format d'étiquettes inconnu."),
        (r"Unknown role (?P<role>.*)\.", "Rôle inconnu : {role}."),
        (r"A member needs a name\.", "Un·e membre a besoin d'un nom."),
        (r"A photo may weigh 10 MB at most\.", "Une photo pèse 10 Mo au plus."),
        (
            r"This code is mistyped: its check symbol does not match\. Check each symbol against the label\.",
            "Ce code est mal tapé : son signe de contrôle ne correspond pas. Comparez chaque signe avec l'étiquette.",
        ),
        (
            r"This code has (?P<n>\d+) symbols; a code has 8, like 7K3M-Q9XJ\.",
            "Ce code a {n} signes ; un code en a 8, comme 7K3M-Q9XJ.",
        ),
        (
            r"This code contains (?P<c>.+), which no code uses: .*",
            "Ce code contient {c}, qu'aucun code n'utilise : chiffres et lettres sauf I, L, O et U, comme 7K3M-Q9XJ.",
        ),
    ]
]

_MONTHS = {
    "fr": [
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
    ],
    "en": [
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
    ],
}
_SEPARATORS = {"fr": ("\u202f", ","), "en": (",", ".")}  # (thousands, decimal)
NBSP = "\u00a0"


def normalize_lang(value: str | None) -> str | None:
    value = (value or "").strip().lower()[:2]
    return value if value in LANGS else None


def lang_from_accept_language(header: str | None) -> str:
    """The first of our languages the reader asks for, by preference weight; French otherwise."""
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        lang = normalize_lang(tag.split("-")[0])
        if lang and weight > 0:
            choices.append((-weight, index, lang))
    return min(choices)[2] if choices else DEFAULT_LANG


def translate(lang: str, key: str, **values: object) -> str:
    pair = MESSAGES.get(key)
    if pair is None:
        return key
    text = pair[LANGS.index(lang) if lang in LANGS else 0]
    return text.format(**values) if values else text


def translate_error(lang: str, message: str) -> str:
    """A ledger refusal in the reader's language (the English original when none is known)."""
    if lang != "fr":
        return message
    for pattern, french in _ERRORS_FR:
        match = pattern.fullmatch(message.strip())
        if match:
            values = match.groupdict()
            if "role" in values:
                values["role"] = translate("fr", f"role.{values['role']}")
            return french.format(**values)
    return message


# ---------------------------------------------------------------------------------------------
# Numbers and dates


def format_number(value: float | int | None, lang: str, decimals: int | None = None, max_decimals: int = 3) -> str:
    """12345.5 -> '12 345,5' (fr) or '12,345.5' (en); trailing zeros dropped unless `decimals` is set."""
    if value is None:
        return "—"
    thousands, point = _SEPARATORS.get(lang, _SEPARATORS["fr"])
    places = decimals if decimals is not None else max_decimals
    quantized = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    text = f"{abs(quantized):f}"
    whole, _, fraction = text.partition(".")
    if decimals is None:
        fraction = fraction.rstrip("0")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    sign = "-" if quantized < 0 else ""
    return sign + thousands.join(groups) + (point + fraction if fraction else "")


def format_kg(value: float | None, lang: str) -> str:
    if value is None:
        return "—"
    decimals = 3 if abs(value) < 10 else 1 if abs(value) < 1000 else 0
    return f"{format_number(value, lang, max_decimals=decimals)}{NBSP}kg"


def format_mm(value: int | None, lang: str) -> str:
    return "—" if value is None else f"{format_number(value, lang)}{NBSP}mm"


def format_dimensions(length: int | None, width: int | None, thickness: int | None, lang: str) -> str:
    if length is None and width is None and thickness is None:
        return "—"
    parts = [format_number(v, lang) if v is not None else "?" for v in (length, width, thickness)]
    # A line may break after a ×, never inside a number or before its unit.
    return f"{NBSP}× ".join(parts) + f"{NBSP}mm"


def _local(value: datetime) -> datetime:
    return value.astimezone(get_settings().tz) if value.tzinfo else value


def format_date(value: date | datetime | None, lang: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = _local(value)
    month = _MONTHS.get(lang, _MONTHS["fr"])[value.month - 1]
    day = "1er" if lang == "fr" and value.day == 1 else str(value.day)
    return f"{day} {month} {value.year}"


def format_datetime(value: datetime | None, lang: str) -> str:
    """In the lieu's time zone: '12 mars 2026 à 14:05' or '12 March 2026 at 14:05'."""
    if value is None:
        return "—"
    local = _local(value)
    joint = "à" if lang == "fr" else "at"
    return f"{format_date(local, lang)} {joint} {local:%H:%M}"
