"""The portal's words in English and Spanish; a page picks one by ``?lang=``, then a cookie,
then the browser's Accept-Language."""

from __future__ import annotations

LANGUAGES = ("en", "es")

WORDS: dict[str, tuple[str, str]] = {
    "title": ("Secure message", "Mensaje seguro"),
    "from-district": (
        "{sender} at {district} sent you a secure message.",
        "{sender} de {district} le envió un mensaje seguro.",
    ),
    "code-explain": (
        "To read it, ask for a one-time code. We send it to the address this message was "
        "sent to. We never ask for a password.",
        "Para leerlo, pida un código de un solo uso. Lo enviamos a la dirección a la que se "
        "envió este mensaje. Nunca le pedimos una contraseña.",
    ),
    "send-code": ("Send me a code", "Envíenme un código"),
    "code-sent": (
        "A code was sent to your address. It works for {minutes} minutes.",
        "Se envió un código a su dirección. Funciona durante {minutes} minutos.",
    ),
    "code-label": ("One-time code", "Código de un solo uso"),
    "open": ("Open the message", "Abrir el mensaje"),
    "subject": ("Subject", "Asunto"),
    "from": ("From", "De"),
    "to": ("To", "Para"),
    "date": ("Date", "Fecha"),
    "attachments": ("Attachments", "Archivos adjuntos"),
    "download": ("Download", "Descargar"),
    "bytes": ("bytes", "bytes"),
    "reply": ("Reply securely", "Responder de forma segura"),
    "reply-label": ("Your reply to {sender}", "Su respuesta a {sender}"),
    "send-reply": ("Send reply", "Enviar respuesta"),
    "reply-sent": ("Your reply was sent.", "Su respuesta fue enviada."),
    "sign-out": ("Sign out", "Cerrar sesión"),
    "new-link": ("Send me a new link", "Envíenme un enlace nuevo"),
    "new-link-sent": (
        "A new link was sent to your address.",
        "Se envió un enlace nuevo a su dirección.",
    ),
    "revoke-title": ("Revoke access", "Revocar el acceso"),
    "revoke-explain": (
        "The recipients of your message will no longer be able to open it.",
        "Los destinatarios de su mensaje ya no podrán abrirlo.",
    ),
    "revoke": ("Revoke", "Revocar"),
    "revoked-done": ("Access was revoked.", "Se revocó el acceso."),
    "home": (
        "Open the link in the notice you received.",
        "Abra el enlace del aviso que recibió.",
    ),
    # refusals
    "bad-link": ("This link does not work.", "Este enlace no funciona."),
    "revoked": (
        "The sender or the district withdrew this message.",
        "El remitente o el distrito retiró este mensaje.",
    ),
    "gone": ("This message is no longer kept.", "Este mensaje ya no se guarda."),
    "expired": (
        "This link has expired. You can ask for a new one.",
        "Este enlace venció. Puede pedir uno nuevo.",
    ),
    "locked": (
        "Too many wrong codes. Try again later.",
        "Demasiados códigos incorrectos. Inténtelo más tarde.",
    ),
    "too-many-codes": (
        "Too many requests. Try again in an hour.",
        "Demasiadas solicitudes. Inténtelo dentro de una hora.",
    ),
    "wrong-code": ("That code is not right.", "Ese código no es correcto."),
    "no-code": (
        "That code has expired or was used. Ask for a new one.",
        "Ese código venció o ya se usó. Pida uno nuevo.",
    ),
    "sign-in": (
        "Ask for a code to open this message.",
        "Pida un código para abrir este mensaje.",
    ),
    "no-attachment": ("No such attachment.", "No existe ese archivo adjunto."),
    "empty-reply": ("Write a reply first.", "Escriba primero una respuesta."),
    "long-reply": ("The reply is too long.", "La respuesta es demasiado larga."),
    "csrf": (
        "The form expired. Reload the page and try again.",
        "El formulario venció. Vuelva a cargar la página e inténtelo de nuevo.",
    ),
}


def words(language: str) -> dict[str, str]:
    index = LANGUAGES.index(language) if language in LANGUAGES else 0
    return {key: pair[index] for key, pair in WORDS.items()}
