"""The adapter to LINE's Messaging API (line-bot-sdk)."""
