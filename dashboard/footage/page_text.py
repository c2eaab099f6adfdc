"""The words of the owner's footage answer page and its refusals, in English and Spanish.

The page speaks the owner's language (`owners.language`, from their registration); a switch
link (?lang=) overrides it. A key missing in Spanish falls back to English; a test checks that
both languages have every key.
"""

from __future__ import annotations

from dashboard.emails import DEFAULT_LANGUAGE, LANGUAGES

from .common import OwnerPageError

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "page_title": "Footage request",
        "department": "Dallas Police Department",
        "footer": "Dallas Police Department · CONNECT DALLAS voluntary camera registry",
        "switch_language": "Español",
        "heading": "Footage request for incident",
        "incident": "Incident",
        "case": "case",
        "place": "Place",
        "asked_for": "Footage asked for",
        "your_camera": "Your camera",
        "requested_by": "Requested by",
        "callback": "Callback",
        "mention_incident": "mention incident {number}",
        "link_until": "This link works until",
        "detective_message": "Message from the detective:",
        "voluntary": ("Sharing footage is <strong>voluntary</strong>. Registering your camera does not oblige you "
                      "to share anything, and declining has no consequence. Your footage stays yours: the police "
                      "receive only the clips you choose to send for this request."),
        "your_answer": "Your answer",
        "note_label": "Note (optional): for example how and when we can collect the footage",
        "accept": "Accept",
        "decline": "Decline",
        "answer_once": "You can answer once. To change your answer later, call the number above.",
        "you_decided": "You <strong>{decision}</strong> this request.",
        "decision_accepted": "accepted",
        "decision_declined": "declined",
        "your_note": "Your note:",
        "upload_clips": "Upload clips",
        "upload_accepts": "(uploading also accepts the request)",
        "upload_hint": ("Accepted: {types}; at most {mb} MB per upload (send large clips one at a time). Each file "
                        "is fingerprinted (SHA-256) on receipt."),
        "upload": "Upload",
        "received": "Received",
        "bytes": "bytes",
        "received_at": "received",
        "refused_questions": "If you have questions, call the Dallas Police Department at the number in our email.",
        "not_available": "Footage request not available",
        "thanks_accepted": "Thank you: you accepted. You can upload clips below, or we will contact you as your note says.",
        "thanks_declined": "Thank you: you declined. Nothing more is needed from you.",
        "file_received": "{name} ({size} bytes) received",
        "thank_you": "Thank you.",
        "err_link": "This link is not valid. Please use the link in our email.",
        "err_expired": "This request has expired; nothing more is needed from you. Thank you.",
        "err_closed": "This case is closed; nothing more is needed from you. Thank you.",
        "err_note_text": "The note must be text.",
        "err_note_long": "The note may be at most {limit} characters.",
        "err_answered": ("You already answered this request ({decision} on {when}). To change your answer, please "
                         "call {phone}."),
        "err_declined_upload": ("You declined this request, so no upload is needed. To change your answer, please "
                                "call {phone}."),
        "err_type": "This kind of file ({type}) is not accepted. Accepted: {types}.",
        "err_type_unknown": "unknown",
        "err_size": ("The file is larger than {mb} MB. Please split it, or leave a note on how we can collect "
                     "it."),
        "err_empty": "The file is empty.",
        "err_contents": "The file's contents are not {type}. Please upload the original clip.",
        "err_not_open": "This request is no longer open.",
        "err_choose": "Please choose accept or decline.",
        "err_upload_large": ("The upload is too large: at most {mb} MB per upload (send large clips one at a "
                             "time). Please leave a note on how we can collect the footage."),
        "err_too_large": "The upload is too large. Please leave a note on how we can collect the footage.",
        "err_form_expired": "This form has expired. Please open the link from the email again.",
        "err_no_files": "Please choose at least one file.",
        "err_many_files": "At most {limit} files at a time.",
        "err_unavailable": "This page is not available.",
        "err_ours": "Something went wrong on our side. Please try again later or call {phone}.",
    },
    "es": {
        "page_title": "Solicitud de video",
        "department": "Departamento de Policía de Dallas",
        "footer": "Departamento de Policía de Dallas · Registro voluntario de cámaras CONNECT DALLAS",
        "switch_language": "English",
        "heading": "Solicitud de video del incidente",
        "incident": "Incidente",
        "case": "caso",
        "place": "Lugar",
        "asked_for": "Video solicitado",
        "your_camera": "Su cámara",
        "requested_by": "Solicitado por",
        "callback": "Teléfono de contacto",
        "mention_incident": "mencione el incidente {number}",
        "link_until": "Este enlace funciona hasta el",
        "detective_message": "Mensaje del detective:",
        "voluntary": ("Compartir video es <strong>voluntario</strong>. Registrar su cámara no le obliga a compartir "
                      "nada, y rechazar no tiene ninguna consecuencia. Sus grabaciones siguen siendo suyas: la "
                      "policía recibe solo los videos que usted decida enviar para esta solicitud."),
        "your_answer": "Su respuesta",
        "note_label": "Nota (opcional): por ejemplo, cómo y cuándo podemos recoger el video",
        "accept": "Aceptar",
        "decline": "Rechazar",
        "answer_once": "Puede responder una sola vez. Para cambiar su respuesta, llame al número indicado arriba.",
        "you_decided": "Usted <strong>{decision}</strong> esta solicitud.",
        "decision_accepted": "aceptó",
        "decision_declined": "rechazó",
        "your_note": "Su nota:",
        "upload_clips": "Subir videos",
        "upload_accepts": "(subir un video también acepta la solicitud)",
        "upload_hint": ("Se aceptan: {types}; como máximo {mb} MB por envío (envíe los videos grandes de uno en "
                        "uno). Cada archivo recibe una huella digital (SHA-256) al recibirse."),
        "upload": "Subir",
        "received": "Recibido",
        "bytes": "bytes",
        "received_at": "recibido el",
        "refused_questions": ("Si tiene preguntas, llame al Departamento de Policía de Dallas al número indicado "
                              "en nuestro correo."),
        "not_available": "Solicitud de video no disponible",
        "thanks_accepted": ("Gracias: usted aceptó. Puede subir videos abajo, o nos pondremos en contacto con usted "
                            "como indica su nota."),
        "thanks_declined": "Gracias: usted rechazó la solicitud. No necesitamos nada más de usted.",
        "file_received": "{name} ({size} bytes) recibido",
        "thank_you": "Gracias.",
        "err_link": "Este enlace no es válido. Use el enlace de nuestro correo.",
        "err_expired": "Esta solicitud ha vencido; no necesitamos nada más de usted. Gracias.",
        "err_closed": "Este caso está cerrado; no necesitamos nada más de usted. Gracias.",
        "err_note_text": "La nota debe ser texto.",
        "err_note_long": "La nota puede tener como máximo {limit} caracteres.",
        "err_answered": ("Usted ya respondió a esta solicitud ({decision} el {when}). Para cambiar su respuesta, "
                         "llame al {phone}."),
        "err_declined_upload": ("Usted rechazó esta solicitud, así que no hace falta subir nada. Para cambiar su "
                                "respuesta, llame al {phone}."),
        "err_type": "Este tipo de archivo ({type}) no se acepta. Se aceptan: {types}.",
        "err_type_unknown": "desconocido",
        "err_size": ("El archivo pesa más de {mb} MB. Divídalo, o déjenos una nota sobre cómo podemos "
                     "recogerlo."),
        "err_empty": "El archivo está vacío.",
        "err_contents": "El contenido del archivo no es {type}. Suba el video original.",
        "err_not_open": "Esta solicitud ya no está abierta.",
        "err_choose": "Elija aceptar o rechazar.",
        "err_upload_large": ("El envío es demasiado grande: como máximo {mb} MB por envío (envíe los videos grandes "
                             "de uno en uno). Déjenos una nota sobre cómo podemos recoger el video."),
        "err_too_large": "El envío es demasiado grande. Déjenos una nota sobre cómo podemos recoger el video.",
        "err_form_expired": "Este formulario ha caducado. Abra de nuevo el enlace del correo.",
        "err_no_files": "Elija al menos un archivo.",
        "err_many_files": "Como máximo {limit} archivos a la vez.",
        "err_unavailable": "Esta página no está disponible.",
        "err_ours": "Algo falló de nuestro lado. Inténtelo más tarde o llame al {phone}.",
    },
}


def language(code: str | None) -> str | None:
    """A supported language code from ?lang= or a stored value, else None."""
    text = (code or "").strip().lower()[:2]
    return text if text in LANGUAGES else None


def t(lang: str | None, key: str, **params) -> str:
    table = STRINGS.get(lang or DEFAULT_LANGUAGE, STRINGS[DEFAULT_LANGUAGE])
    text = table.get(key, STRINGS[DEFAULT_LANGUAGE][key])
    return text.format(**params) if params else text


def refusal(status: int, lang: str, key: str, **params) -> OwnerPageError:
    """The refusal `key` for the owner, worded in `lang`."""
    return OwnerPageError(status, t(lang, key, **params), lang)
