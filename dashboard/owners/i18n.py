"""English and Spanish strings of the public registration portal (its emails are templates:
dashboard/emails/templates/<lang>/registration_*.txt).

`pick_language(args_lang, form_lang, accept_languages)` chooses: an explicit ?lang= (or the
form's hidden `lang`) first, then the browser's Accept-Language, then English.
`t(lang, key, **params)` formats a string; a key missing in Spanish falls back to English.
"""

from __future__ import annotations

LANGUAGES = ("en", "es")
DEFAULT_LANGUAGE = "en"

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "site_title": "Register your security camera · CONNECT DALLAS",
        "heading": "Register your security camera",
        "intro": ("Tell the Dallas Police Department where your camera is, so that after a crime nearby a "
                  "detective knows whom to ask for a copy of the recording. It takes about a minute."),
        "switch_language": "Español",
        "consent_points": ("Registration is voluntary. Registering gives the police no live access to your "
                           "camera. Your recordings stay yours: a detective may ask for a copy, and you decide. "
                           "You can withdraw at any time."),
        "section_who": "1. Who you are",
        "section_where": "2. Where the cameras are",
        "section_cameras": "3. Your cameras",
        "section_consent": "4. Consent",
        "owner_type": "I am registering as",
        "owner_type_resident": "a resident",
        "owner_type_business": "a business",
        "owner_type_organization": "an organization (church, school, association...)",
        "name": "Your name",
        "business_name": "Business or organization name",
        "business_name_hint": "Only for businesses and organizations.",
        "email": "Email",
        "email_hint": "We send a link to confirm the registration. We never share it.",
        "phone": "Phone (optional)",
        "address": "Street address of the cameras",
        "latitude": "Latitude",
        "longitude": "Longitude",
        "pin_hint": ("Place the pin where the cameras are: click the map, drag the pin, or use your "
                     "location. You can also type the coordinates."),
        "use_my_location": "Use my location",
        "location_unavailable": "Your browser could not tell us your location.",
        "camera_count": "How many cameras",
        "camera_n": "Camera {n}",
        "label": "Name for this camera",
        "label_hint": "For example \u201cFront door\u201d or \u201cDriveway\u201d.",
        "camera_type": "Kind of camera",
        "type_doorbell": "Doorbell",
        "type_dome": "Dome",
        "type_bullet": "Bullet / wall",
        "type_ptz": "Pan-tilt-zoom",
        "type_panoramic": "Panoramic",
        "type_lpr": "License plate reader",
        "placement": "Indoor or outdoor",
        "placement_outdoor": "Outdoor",
        "placement_indoor": "Indoor",
        "direction": "Direction it faces",
        "direction_unknown": "Not sure",
        "dir_N": "North", "dir_NE": "Northeast", "dir_E": "East", "dir_SE": "Southeast",
        "dir_S": "South", "dir_SW": "Southwest", "dir_W": "West", "dir_NW": "Northwest",
        "retention": "Days it keeps recordings",
        "live_access": "A live-access device is installed for this camera",
        "live_sharing": "Live video for the police (only with a live-access device)",
        "sharing_none": "Never: the police cannot watch this camera live.",
        "sharing_emergency": ("Only in an emergency: the police can watch it live only while a priority 1 or 2 "
                              "emergency call is open close to your camera."),
        "sharing_always": "Always: the Fusion Crime Center can watch it live at any time, for a stated purpose.",
        "stream_url": "Device stream address (optional: rtsp, rtsps, http or https)",
        "stream_hint": "Given by your device's installer. It is never shown to anyone: the police see the video only.",
        "stream_on_file": "A stream address is on file. Leave empty to keep it.",
        "pending_review_note": ("Changes waiting for review (the map keeps showing the current values until they "
                                "are approved):"),
        "pending_site": "Address and position",
        "manage_saved_review": ("Your changes are saved. Changes to what the police see (labels, position, live "
                                "access) are applied after a review; switching sharing off takes effect at once."),
        "add_camera": "Add another camera",
        "remove_camera": "Remove the last camera",
        "consent": ("I register voluntarily. I understand that registering gives no live access, that my "
                    "footage stays mine, and that I can withdraw at any time."),
        "submit": "Register",
        "form_has_errors": "Please correct the fields marked below.",
        "manage_link": "Already registered? Manage or withdraw your registration",
        "website": "Leave this field empty",
        # validation
        "err_required": "This field is required.",
        "err_too_long": "Please use at most {limit} characters.",
        "err_control_chars": "This field contains characters that are not allowed.",
        "err_email": "Please enter a valid email address, like name@example.com.",
        "err_phone": "Please enter a valid phone number, like 214-555-0100.",
        "err_choice": "Please choose one of the options.",
        "err_stream": "Please enter a device address starting with {schemes} and naming a host.",
        "err_stream_needs_live": "A stream address needs a live-access device: tick the box above.",
        "err_number": "Please enter a number.",
        "err_range": "Please enter a number from {lo} to {hi}.",
        "err_whole": "Please enter a whole number.",
        "err_max_cameras": "At most {limit} cameras can be registered at once.",
        "err_outside_city": ("This location is outside the Dallas city limits. The Dallas Police Department "
                             "can only register cameras inside the city; please contact your local police."),
        "err_pin": "Please place the pin on the map (or enter latitude and longitude).",
        "err_consent": "Please confirm that you register voluntarily.",
        "rate_limited": "Too many attempts from your connection. Please try again later.",
        # results
        "check_email_title": "Check your email",
        "check_email_body": ("We sent a link to {email}. Open it within {hours} hours to confirm your "
                             "registration. Nothing is registered until you confirm."),
        "confirm_page_title": "Confirm your camera registration",
        "confirm_button": "Confirm my registration",
        "reconfirm_page_title": "Keep your cameras registered for another year",
        "reconfirm_button": "Yes, keep my registration",
        "confirmed_title": "Thank you: your registration is confirmed",
        "confirmed_review": "A Dallas Police administrator will review it shortly before it is used.",
        "confirmed_active": "Your cameras are now registered.",
        "link_invalid_title": "This link is not valid",
        "link_invalid_body": "The link has expired or was already used. You can register again or ask for a new link.",
        "reconfirmed_title": "Thank you: your registration is renewed for another year",
        "manage_title": "Manage my registration",
        "manage_intro": "Enter the email you registered with. We will send you a sign-in link.",
        "manage_send": "Send me a link",
        "manage_sent": ("If this email has a registration, we have sent it a sign-in link. It is valid for "
                        "{hours} hours."),
        "manage_heading": "Your registration",
        "manage_status": "Status",
        "status_unconfirmed": "waiting for your email confirmation",
        "status_pending_review": "waiting for review",
        "status_approved": "registered",
        "status_rejected": "not accepted",
        "status_inactive": "inactive (not reconfirmed)",
        "status_withdrawn": "withdrawn",
        "manage_save": "Save changes",
        "manage_saved": "Your changes are saved.",
        "withdraw_heading": "Withdraw",
        "withdraw_body": ("Withdrawing removes your cameras from the registry and deletes your name, email, "
                          "phone and address. Only an anonymous record that a registration existed is kept."),
        "withdraw_confirm": "Yes, withdraw and delete my information",
        "withdraw_button": "Withdraw my registration",
        "withdrawn_title": "Your registration is withdrawn",
        "withdrawn_body": "Your cameras are removed and your personal information is deleted. Thank you.",
        # the access history on the manage page (dashboard/transparency/owner_history.py)
        "history_heading": "Who accessed your registration",
        "history_intro": ("Each time the police viewed your contact details, asked for your footage or watched your "
                          "camera live. For the investigation's sake we show the kind of offense, never the case "
                          "number or the officer."),
        "history_delay": "Entries appear {days} days after the access, so that recent investigations are not disturbed.",
        "history_empty": "Nobody has accessed your registration so far.",
        "history_date": "Date", "history_kind": "What happened", "history_category": "Offense category",
        "history_camera": "Camera", "history_outcome": "Your answer and the outcome",
        "no_cameras": "No cameras yet: they appear once you confirm your email.",
        "back": "Back to the registration form",
    },
    "es": {
        "site_title": "Registre su cámara de seguridad · CONNECT DALLAS",
        "heading": "Registre su cámara de seguridad",
        "intro": ("Indique al Departamento de Policía de Dallas dónde está su cámara, para que después de un "
                  "delito cercano un detective sepa a quién pedir una copia de la grabación. Toma alrededor "
                  "de un minuto."),
        "switch_language": "English",
        "consent_points": ("El registro es voluntario. Registrarse no da a la policía acceso en vivo a su "
                           "cámara. Sus grabaciones siguen siendo suyas: un detective puede pedir una copia y "
                           "usted decide. Puede retirarse en cualquier momento."),
        "section_who": "1. Quién es usted",
        "section_where": "2. Dónde están las cámaras",
        "section_cameras": "3. Sus cámaras",
        "section_consent": "4. Consentimiento",
        "owner_type": "Me registro como",
        "owner_type_resident": "residente",
        "owner_type_business": "negocio",
        "owner_type_organization": "organización (iglesia, escuela, asociación...)",
        "name": "Su nombre",
        "business_name": "Nombre del negocio u organización",
        "business_name_hint": "Solo para negocios y organizaciones.",
        "email": "Correo electrónico",
        "email_hint": "Le enviamos un enlace para confirmar el registro. Nunca lo compartimos.",
        "phone": "Teléfono (opcional)",
        "address": "Dirección de las cámaras",
        "latitude": "Latitud",
        "longitude": "Longitud",
        "pin_hint": ("Coloque el marcador donde están las cámaras: haga clic en el mapa, arrastre el marcador "
                     "o use su ubicación. También puede escribir las coordenadas."),
        "use_my_location": "Usar mi ubicación",
        "location_unavailable": "Su navegador no pudo indicarnos su ubicación.",
        "camera_count": "Cuántas cámaras",
        "camera_n": "Cámara {n}",
        "label": "Nombre de esta cámara",
        "label_hint": "Por ejemplo \u201cPuerta principal\u201d o \u201cEntrada de autos\u201d.",
        "camera_type": "Tipo de cámara",
        "type_doorbell": "Timbre",
        "type_dome": "Domo",
        "type_bullet": "Bala / de pared",
        "type_ptz": "Giratoria con zoom",
        "type_panoramic": "Panorámica",
        "type_lpr": "Lector de placas",
        "placement": "Interior o exterior",
        "placement_outdoor": "Exterior",
        "placement_indoor": "Interior",
        "direction": "Hacia dónde apunta",
        "direction_unknown": "No estoy seguro",
        "dir_N": "Norte", "dir_NE": "Noreste", "dir_E": "Este", "dir_SE": "Sureste",
        "dir_S": "Sur", "dir_SW": "Suroeste", "dir_W": "Oeste", "dir_NW": "Noroeste",
        "retention": "Días que guarda las grabaciones",
        "live_access": "Hay un dispositivo de acceso en vivo instalado para esta cámara",
        "live_sharing": "Video en vivo para la policía (solo con un dispositivo de acceso en vivo)",
        "sharing_none": "Nunca: la policía no puede ver esta cámara en vivo.",
        "sharing_emergency": ("Solo en una emergencia: la policía puede verla en vivo solo mientras haya una llamada "
                              "de emergencia de prioridad 1 o 2 abierta cerca de su cámara."),
        "sharing_always": ("Siempre: el Centro de Fusión contra el Crimen puede verla en vivo en cualquier momento, "
                           "con un propósito declarado."),
        "stream_url": "Dirección de transmisión del dispositivo (opcional: rtsp, rtsps, http o https)",
        "stream_hint": ("La proporciona quien instaló su dispositivo. Nunca se muestra a nadie: la policía solo ve "
                        "el video."),
        "stream_on_file": "Hay una dirección de transmisión registrada. Déjelo vacío para conservarla.",
        "pending_review_note": ("Cambios en espera de revisión (el mapa sigue mostrando los valores actuales hasta "
                                "que se aprueben):"),
        "pending_site": "Dirección y posición",
        "manage_saved_review": ("Sus cambios están guardados. Los cambios en lo que ve la policía (nombres, posición, "
                                "acceso en vivo) se aplican después de una revisión; dejar de compartir tiene efecto "
                                "de inmediato."),
        "add_camera": "Agregar otra cámara",
        "remove_camera": "Quitar la última cámara",
        "consent": ("Me registro voluntariamente. Entiendo que registrarse no da acceso en vivo, que mis "
                    "grabaciones siguen siendo mías y que puedo retirarme en cualquier momento."),
        "submit": "Registrar",
        "form_has_errors": "Por favor corrija los campos marcados abajo.",
        "manage_link": "¿Ya está registrado? Administre o retire su registro",
        "website": "Deje este campo vacío",
        "err_required": "Este campo es obligatorio.",
        "err_too_long": "Use como máximo {limit} caracteres.",
        "err_control_chars": "Este campo contiene caracteres no permitidos.",
        "err_email": "Escriba un correo electrónico válido, como nombre@ejemplo.com.",
        "err_phone": "Escriba un número de teléfono válido, como 214-555-0100.",
        "err_choice": "Elija una de las opciones.",
        "err_stream": "Escriba una dirección del dispositivo que empiece por {schemes} y nombre un servidor.",
        "err_stream_needs_live": "Una dirección de transmisión requiere un dispositivo de acceso en vivo: marque la casilla.",
        "err_number": "Escriba un número.",
        "err_range": "Escriba un número entre {lo} y {hi}.",
        "err_whole": "Escriba un número entero.",
        "err_max_cameras": "Se pueden registrar como máximo {limit} cámaras a la vez.",
        "err_outside_city": ("Esta ubicación está fuera de los límites de la ciudad de Dallas. El Departamento "
                             "de Policía de Dallas solo registra cámaras dentro de la ciudad; comuníquese con "
                             "su policía local."),
        "err_pin": "Coloque el marcador en el mapa (o escriba la latitud y la longitud).",
        "err_consent": "Confirme que se registra voluntariamente.",
        "rate_limited": "Demasiados intentos desde su conexión. Inténtelo más tarde.",
        "check_email_title": "Revise su correo electrónico",
        "check_email_body": ("Enviamos un enlace a {email}. Ábralo dentro de {hours} horas para confirmar su "
                             "registro. No se registra nada hasta que usted confirme."),
        "confirm_page_title": "Confirme el registro de sus cámaras",
        "confirm_button": "Confirmar mi registro",
        "reconfirm_page_title": "Mantenga sus cámaras registradas un año más",
        "reconfirm_button": "Sí, mantener mi registro",
        "confirmed_title": "Gracias: su registro está confirmado",
        "confirmed_review": "Un administrador de la Policía de Dallas lo revisará en breve antes de usarlo.",
        "confirmed_active": "Sus cámaras ya están registradas.",
        "link_invalid_title": "Este enlace no es válido",
        "link_invalid_body": ("El enlace venció o ya fue usado. Puede registrarse de nuevo o pedir un enlace "
                              "nuevo."),
        "reconfirmed_title": "Gracias: su registro se renovó por un año más",
        "manage_title": "Administrar mi registro",
        "manage_intro": "Escriba el correo con el que se registró. Le enviaremos un enlace para entrar.",
        "manage_send": "Enviarme un enlace",
        "manage_sent": ("Si este correo tiene un registro, le enviamos un enlace para entrar. Es válido por "
                        "{hours} horas."),
        "manage_heading": "Su registro",
        "manage_status": "Estado",
        "status_unconfirmed": "esperando la confirmación por correo",
        "status_pending_review": "en revisión",
        "status_approved": "registrado",
        "status_rejected": "no aceptado",
        "status_inactive": "inactivo (no se renovó)",
        "status_withdrawn": "retirado",
        "manage_save": "Guardar cambios",
        "manage_saved": "Sus cambios se guardaron.",
        "withdraw_heading": "Retirarse",
        "withdraw_body": ("Al retirarse, sus cámaras salen del registro y se borran su nombre, correo, "
                          "teléfono y dirección. Solo se conserva un registro anónimo de que existió."),
        "withdraw_confirm": "Sí, retirarme y borrar mi información",
        "withdraw_button": "Retirar mi registro",
        "withdrawn_title": "Su registro fue retirado",
        "withdrawn_body": "Sus cámaras fueron retiradas y su información personal fue borrada. Gracias.",
        "history_heading": "Quién accedió a su registro",
        "history_intro": ("Cada vez que la policía vio sus datos de contacto, pidió su grabación o miró su cámara en "
                          "vivo. Para proteger la investigación mostramos el tipo de delito, nunca el número de caso "
                          "ni el agente."),
        "history_delay": ("Las entradas aparecen {days} días después del acceso, para no perjudicar las "
                          "investigaciones recientes."),
        "history_empty": "Hasta ahora nadie ha accedido a su registro.",
        "history_date": "Fecha", "history_kind": "Qué pasó", "history_category": "Categoría de delito",
        "history_camera": "Cámara", "history_outcome": "Su respuesta y el resultado",
        "no_cameras": "Aún no hay cámaras: aparecen cuando confirme su correo.",
        "back": "Volver al formulario de registro",
    },
}


def normalize_language(value: str | None) -> str | None:
    if not value:
        return None
    code = value.strip().lower()[:2]
    return code if code in LANGUAGES else None


def pick_language(explicit: str | None = None, accept_languages=None) -> str:
    """`explicit`: ?lang= or the form's hidden field; `accept_languages`: werkzeug's
    request.accept_languages (anything with best_match) or None."""
    chosen = normalize_language(explicit)
    if chosen:
        return chosen
    if accept_languages is not None:
        best = accept_languages.best_match(LANGUAGES)
        if best:
            return normalize_language(best) or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def t(lang: str, key: str, **params) -> str:
    text = STRINGS.get(lang, STRINGS[DEFAULT_LANGUAGE]).get(key)
    if text is None:
        text = STRINGS[DEFAULT_LANGUAGE][key]
    return text.format(**params) if params else text


def translator(lang: str):
    def _t(key: str, **params) -> str:
        return t(lang, key, **params)

    return _t
