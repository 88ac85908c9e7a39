"""What the bot says, in one place: short, friendly, and never a stack trace."""

from __future__ import annotations

HELP = (
    "I turn an idea into a running service, with a team of agents.\n\n"
    "Just write what you want built, or use:\n"
    "/new &lt;idea&gt; — start a project\n"
    "/projects — your projects\n"
    "/status [project] — where a project is\n"
    "/inbox — what waits for your decision\n"
    "/cancel &lt;project&gt; — stop a project\n"
    "/change &lt;project&gt; &lt;what to change&gt; — a change to a live project\n"
    "/rollback &lt;project&gt; — put the previous release back\n"
    "/help — this message\n\n"
    "When I ask a question, reply to my message. Decisions come with buttons."
)
ADMIN_HELP = "\n/invite — a one-time code that lets someone in"

STRANGER = (
    "Hello! This bot builds software for its team only, and I don't know you yet. "
    "If someone invited you, send /start followed by your code."
)
BAD_INVITE = "That invite code is not valid (it may be used up or expired). Ask for a new one."
WELCOME = "Welcome aboard! Tell me an idea and I'll get the team started."

TEXT_ONLY = "I read text only: describe your idea or answer in words, please."
EDITED = "I go by the first version of a message; send a new one if you changed your mind."
UNKNOWN_COMMAND = "I don't know that command. /help lists what I can do."
NEED_IDEA = "Tell me the idea too, e.g. /new a bot that tracks my reading list"
NEED_PROJECT = "Which project? e.g. {command} {example}"
NEED_CHANGE = "Which project, and what should change? e.g. /change 3f2a9c add an endpoint /stats"
CHANGE_QUEUED = (
    "📝 Change #{number} to <code>{project}</code> queued. It runs after any change before it; "
    "I'll ask here if the team needs you and tell you when its release is live."
)
NO_PROJECTS = "No projects yet. Write an idea to start one."
INBOX_EMPTY = "Nothing waits for you. 🎉"

STARTED = (
    "🚀 Project <code>{project}</code> started. I'll keep one status message up to date "
    "here and ask you when the team needs you."
)
ASK_REASON = "Why? Reply to this message with a few words for the team."
ASK_INSTRUCTIONS = "What should the team do? Reply to this message with instructions."
DECIDED = "Done: {choice}."
ALREADY_DECIDED = "That was already decided; nothing changed."
STALE_BUTTON = "This button is no longer valid."
USE_BUTTONS = "Use the buttons on that message, please."
SEVERAL_QUESTIONS = "Several questions are open: reply to the one you are answering."
QUEUED = "Noted. The team is offline for a moment; your answer waits and is used when it is back."
ANSWERED = "Thanks, passed on to the team."

SECRET_DELETED = (
    "🔒 I deleted your message: a secret must never travel through a chat. Give it with "
    "<code>orchestrator secrets set {project} {name}</code> (a hidden prompt) or the API "
    "(PUT /projects/{project}/secrets/{name}). If that was the real value, consider it seen "
    "by Telegram and rotate it."
)
SECRET_NOT_DELETED = (
    "🔒 A secret must never travel through a chat, and I could not delete your message: "
    "delete it yourself, rotate the value, and give the new one with "
    "<code>orchestrator secrets set {project} {name}</code>."
)

OOPS = "Sorry, something went wrong on my side. It is logged; please try again in a moment."
UNAVAILABLE = "The factory cannot be reached right now; please try again in a minute."
ROLLING_BACK = "Rolling back <code>{project}</code>…"
CANCELLING = "Cancelling <code>{project}</code>; the team finishes what is safe to finish."
INVITE = (
    "Here is a one-time invite. The person sends this to me:\n\n<code>/start {code}</code>\n\n"
    "It works once and expires in {days} days."
)
ADMINS_ONLY = "Only admins can invite people."
