"""English and Spanish wording of the transparency page (and the owner history's labels).

The language is chosen like the registration portal's (dashboard/owners/i18n.pick_language):
?lang= first, then Accept-Language, then English.
"""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {
    "en": {
        "title": "How the camera registry is used · CONNECT DALLAS",
        "heading": "How the camera registry is used",
        "intro": ("CONNECT DALLAS is a voluntary registry of privately owned security cameras. Residents and "
                  "businesses tell the Dallas Police Department where their cameras are, so that after a crime "
                  "nearby a detective knows whom to ask for a copy of a recording. Every time an officer sees an "
                  "owner's contact details, asks for footage, watches a camera live or exports a list, the "
                  "system writes it to a tamper-evident audit log. This page is computed from that log."),
        "switch_language": "Español",
        "generated": "Figures as of {at} (Dallas time); refreshed every few minutes.",
        "suppression": ("To protect owners, any count from 1 to 4 is shown as \u201cfewer than 5\u201d."),
        "fewer_than": "fewer than {n}",
        "registry_heading": "What is registered",
        "cameras": "Registered cameras",
        "owners": "Camera owners",
        "by_division": "By police division",
        "by_owner_type": "By type of owner",
        "division": "Division",
        "owner_type": "Owner type",
        "total": "Total",
        "live_heading": "Live video: the owners' choices",
        "live_intro": "Owners decide whether police may ever watch their camera live.",
        "live_none": "Never live (registered only)",
        "live_emergency": "Live only during a nearby emergency",
        "live_always": "Live when needed",
        "live_live_access": "A live-access device is installed",
        "coverage_heading": "Cameras by beat",
        "coverage_intro": "Counts only: no camera position is ever published.",
        "beat": "Beat",
        "use_heading": "How it was used",
        "last_30_days": "Last 30 days",
        "last_12_months": "Last 12 months",
        "metric": "What happened",
        "m_owner_contact_reveals": "An officer viewed an owner's contact details",
        "m_footage_requests_sent": "Footage requests sent to owners",
        "m_footage_requests_accepted": "Requests owners accepted",
        "m_footage_requests_declined": "Requests owners declined",
        "m_footage_requests_received": "Requests where owners sent footage",
        "m_live_views": "Live views of a camera",
        "m_exports": "Camera lists exported for an investigation",
        "by_category_heading": "By offense category (last 12 months)",
        "category": "Offense category",
        "monthly_heading": "By month",
        "month": "Month",
        "chart_label": "{metric}, by month",
        "purposes_heading": "Purposes and limits",
        "purposes_intro": ("Every access to an owner's details, every live view and every export must name a "
                           "case number, one of these offense categories and a reason."),
        "permitted": "Permitted uses",
        "prohibited": "Prohibited uses",
        "retention_heading": "How long things are kept",
        "r_footage_link_expiry_days": "A footage request link stops working after {v} days.",
        "r_unneeded_clip_days": "Footage that turned out not to be needed is deleted {v} days after the case closes.",
        "r_unneeded_clip_days_0": "Footage that turned out not to be needed is kept with the case file.",
        "r_owner_reveal_seconds": "An owner's contact details stay on an officer's screen for at most {v} seconds.",
        "r_registration_reconfirm_months": ("Owners are asked to confirm their registration every {v} months; "
                                            "unconfirmed cameras leave the registry."),
        "r_owner_history_delay_days": ("Owners see each access to their data in their own history after a "
                                       "delay of {v} days."),
        "r_owner_history_delay_days_0": "Owners see each access to their data in their own history right away.",
        "r_live_view_minutes": "A live view ends after at most {v} minutes.",
        "chain_heading": "Is the log intact?",
        "chain_ok": ("The audit log was last checked on {at}: intact. {n} events verified, each linked to the one "
                     "before by a cryptographic hash."),
        "chain_failed": ("The audit log was last checked on {at}: the check FAILED at event {bad}."),
        "chain_never": "The audit log has not been checked yet.",
        "chain_pending": "{n} events were written after the last check; the next check covers them.",
        "unspecified": "Not recorded (before categories were required)",
        "json_link": "These figures as JSON",
        "preparing": "The figures are being prepared. Please try again in a few minutes.",
        "unknown": "Unknown",
        # the owner's access history (dashboard/transparency/owner_history.py)
        "kind_contact_revealed": "An officer viewed your contact details",
        "kind_contact_exported": "Your contact details were in a list exported for an investigation",
        "kind_footage_requested": "A detective asked for your footage",
        "kind_live_view": "An officer watched your camera live",
        "answer_accepted": "you accepted", "answer_declined": "you declined", "answer_none": "no answer",
        "outcome_used": "your footage was used", "outcome_not_needed": "your footage was not needed",
    },
    "es": {
        "title": "Cómo se usa el registro de cámaras · CONNECT DALLAS",
        "heading": "Cómo se usa el registro de cámaras",
        "intro": ("CONNECT DALLAS es un registro voluntario de cámaras de seguridad privadas. Residentes y "
                  "negocios le dicen al Departamento de Policía de Dallas dónde están sus cámaras, para que después "
                  "de un delito cercano un detective sepa a quién pedir una copia de la grabación. Cada vez que un "
                  "agente ve los datos de contacto de un dueño, pide una grabación, mira una cámara en vivo o "
                  "exporta una lista, el sistema lo anota en un registro de auditoría a prueba de alteraciones. "
                  "Esta página se calcula a partir de ese registro."),
        "switch_language": "English",
        "generated": "Cifras al {at} (hora de Dallas); se actualizan cada pocos minutos.",
        "suppression": "Para proteger a los dueños, toda cifra de 1 a 4 se muestra como \u201cmenos de 5\u201d.",
        "fewer_than": "menos de {n}",
        "registry_heading": "Qué está registrado",
        "cameras": "Cámaras registradas",
        "owners": "Dueños de cámaras",
        "by_division": "Por división policial",
        "by_owner_type": "Por tipo de dueño",
        "division": "División",
        "owner_type": "Tipo de dueño",
        "total": "Total",
        "live_heading": "Video en vivo: lo que eligieron los dueños",
        "live_intro": "Los dueños deciden si la policía puede ver su cámara en vivo.",
        "live_none": "Nunca en vivo (solo registrada)",
        "live_emergency": "En vivo solo durante una emergencia cercana",
        "live_always": "En vivo cuando haga falta",
        "live_live_access": "Tiene un dispositivo de acceso en vivo",
        "coverage_heading": "Cámaras por sector (beat)",
        "coverage_intro": "Solo cifras: nunca se publica la ubicación de una cámara.",
        "beat": "Sector",
        "use_heading": "Cómo se usó",
        "last_30_days": "Últimos 30 días",
        "last_12_months": "Últimos 12 meses",
        "metric": "Qué pasó",
        "m_owner_contact_reveals": "Un agente vio los datos de contacto de un dueño",
        "m_footage_requests_sent": "Solicitudes de grabación enviadas a dueños",
        "m_footage_requests_accepted": "Solicitudes aceptadas por los dueños",
        "m_footage_requests_declined": "Solicitudes rechazadas por los dueños",
        "m_footage_requests_received": "Solicitudes en las que los dueños enviaron grabación",
        "m_live_views": "Vistas en vivo de una cámara",
        "m_exports": "Listas de cámaras exportadas para una investigación",
        "by_category_heading": "Por categoría de delito (últimos 12 meses)",
        "category": "Categoría de delito",
        "monthly_heading": "Por mes",
        "month": "Mes",
        "chart_label": "{metric}, por mes",
        "purposes_heading": "Propósitos y límites",
        "purposes_intro": ("Todo acceso a los datos de un dueño, toda vista en vivo y toda exportación debe indicar "
                           "un número de caso, una de estas categorías de delito y un motivo."),
        "permitted": "Usos permitidos",
        "prohibited": "Usos prohibidos",
        "retention_heading": "Cuánto tiempo se guarda",
        "r_footage_link_expiry_days": "El enlace de una solicitud de grabación deja de funcionar a los {v} días.",
        "r_unneeded_clip_days": ("La grabación que al final no hizo falta se borra {v} días después de cerrarse "
                                 "el caso."),
        "r_unneeded_clip_days_0": "La grabación que al final no hizo falta se guarda con el expediente.",
        "r_owner_reveal_seconds": ("Los datos de contacto de un dueño permanecen en la pantalla de un agente "
                                   "como máximo {v} segundos."),
        "r_registration_reconfirm_months": ("Se pide a los dueños confirmar su registro cada {v} meses; las "
                                            "cámaras no confirmadas salen del registro."),
        "r_owner_history_delay_days": ("Los dueños ven cada acceso a sus datos en su propio historial después "
                                       "de {v} días."),
        "r_owner_history_delay_days_0": "Los dueños ven cada acceso a sus datos en su propio historial de inmediato.",
        "r_live_view_minutes": "Una vista en vivo termina como máximo a los {v} minutos.",
        "chain_heading": "¿Está intacto el registro?",
        "chain_ok": ("El registro de auditoría se comprobó por última vez el {at}: intacto. {n} eventos "
                     "verificados, cada uno enlazado al anterior con un hash criptográfico."),
        "chain_failed": ("El registro de auditoría se comprobó por última vez el {at}: la comprobación FALLÓ en el "
                         "evento {bad}."),
        "chain_never": "El registro de auditoría aún no se ha comprobado.",
        "chain_pending": "Se escribieron {n} eventos después de la última comprobación; la próxima los incluye.",
        "unspecified": "Sin registrar (antes de que se exigieran categorías)",
        "json_link": "Estas cifras en JSON",
        "preparing": "Las cifras se están preparando. Vuelva a intentarlo en unos minutos.",
        "unknown": "Desconocido",
        "kind_contact_revealed": "Un agente vio sus datos de contacto",
        "kind_contact_exported": "Sus datos de contacto estaban en una lista exportada para una investigación",
        "kind_footage_requested": "Un detective pidió su grabación",
        "kind_live_view": "Un agente vio su cámara en vivo",
        "answer_accepted": "usted aceptó", "answer_declined": "usted rechazó", "answer_none": "sin respuesta",
        "outcome_used": "su grabación se usó", "outcome_not_needed": "su grabación no hizo falta",
    },
}

CATEGORY_LABELS: dict[str, dict[str, str]] = {
    "en": {"homicide": "Homicide", "robbery": "Robbery", "burglary": "Burglary", "assault": "Assault",
           "theft": "Theft", "vehicle_crimes": "Vehicle crimes", "missing_person": "Missing person",
           "traffic_fatality": "Traffic fatality", "other": "Other"},
    "es": {"homicide": "Homicidio", "robbery": "Robo con violencia", "burglary": "Robo en vivienda o local",
           "assault": "Agresión", "theft": "Hurto", "vehicle_crimes": "Delitos con vehículos",
           "missing_person": "Persona desaparecida", "traffic_fatality": "Accidente de tráfico mortal",
           "other": "Otro"},
}

OWNER_TYPE_LABELS: dict[str, dict[str, str]] = {
    "en": {"resident": "Residents", "business": "Businesses", "organization": "Organizations",
           "government": "Government"},
    "es": {"resident": "Residentes", "business": "Negocios", "organization": "Organizaciones",
           "government": "Gobierno"},
}

_USES: dict[str, dict[str, tuple[str, ...]]] = {
    "permitted": {
        "en": ("Finding and asking for recordings after a crime, a missing-person case or a fatal crash.",
               "Watching a camera live only where its owner allowed it, for an open emergency call or a "
               "stated case."),
        "es": ("Encontrar y pedir grabaciones después de un delito, una desaparición o un accidente mortal.",
               "Ver una cámara en vivo solo si su dueño lo permitió, para una llamada de emergencia abierta o un "
               "caso indicado."),
    },
    "prohibited": {
        "en": ("Watching people for their speech, religion, politics, protest or immigration status.",
               "Personal use, or any use without a case number and a reason.",
               "Sharing owners' details outside the Dallas Police Department.",
               "Facial recognition or automated tracking of people."),
        "es": ("Vigilar a personas por lo que dicen, su religión, su política, su participación en protestas o "
               "su situación migratoria.",
               "Uso personal, o cualquier uso sin número de caso y motivo.",
               "Compartir los datos de los dueños fuera del Departamento de Policía de Dallas.",
               "Reconocimiento facial o seguimiento automatizado de personas."),
    },
}


def default_uses(kind: str) -> dict[str, tuple[str, ...]]:
    return _USES[kind]


def t(lang: str, key: str, **params) -> str:
    text = STRINGS.get(lang, STRINGS["en"]).get(key) or STRINGS["en"][key]
    return text.format(**params) if params else text


def category_label(lang: str, key: str) -> str:
    if key == "unspecified":
        return t(lang, "unspecified")
    return CATEGORY_LABELS.get(lang, {}).get(key) or CATEGORY_LABELS["en"].get(key) or key.replace("_", " ").capitalize()


def owner_type_label(lang: str, key: str) -> str:
    return OWNER_TYPE_LABELS.get(lang, {}).get(key) or (t(lang, "unknown") if key == "unknown" else key.capitalize())
