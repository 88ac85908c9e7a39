"""The Telegram bot: translates chat events into calls of services/, and nothing more."""
