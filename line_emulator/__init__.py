"""A local LINE platform emulator (development and tests only): Messaging API, webhooks, a chat page.

Run it with `python -m line_emulator`; tests build it with `line_emulator.app.create_app(settings)`.
"""
