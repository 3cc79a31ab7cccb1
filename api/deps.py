"""Typed dependencies for the routers (coroutines: FastAPI runs a plain `def` dependency in its thread pool)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from linebot.v3.messaging import AsyncMessagingApi
from temporalio.client import Client

from config import Settings


async def get_app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_temporal(request: Request) -> Client:
    client: Client = request.app.state.temporal
    return client


async def get_line(request: Request) -> AsyncMessagingApi:
    line: AsyncMessagingApi = request.app.state.line
    return line


SettingsDep = Annotated[Settings, Depends(get_app_settings)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
LineDep = Annotated[AsyncMessagingApi, Depends(get_line)]
