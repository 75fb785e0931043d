"""Operational routes: ``/health``, ``/models``, ``/stats``, ``/config`` (read-only) and
``POST /admin/retrain`` (bearer token from settings)."""

from __future__ import annotations

import dataclasses
import hmac
import time
from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException, Request, Response

from cartwise.build import STAGES
from cartwise.recsys.engine import STRATEGIES
from cartwise.runtime import Runtime
from cartwise.server.deps import RuntimeDep
from cartwise.services import FAILED, IDLE, OK, WARMING

router = APIRouter(tags=["service"])


def _manifest(runtime: Runtime, stage: str) -> dict[str, Any]:
    """The manifest of the ``stage`` being served (read when the services were loaded; a
    retrain's swap brings its own), ``{}`` when the stage was missing."""
    return runtime.services.manifests.get(stage) or {}


def _built(runtime: Runtime) -> dict[str, Any]:
    return {name: _manifest(runtime, name).get("built_at") for name in STAGES}


def _part_details(name: str, part: Any) -> dict[str, Any]:
    """What /health shows of a loaded part (counts; nothing that loads or waits)."""
    if name == "catalog":
        return {"ok": len(part) > 0, **part.describe()}
    if name == "recommenders":
        return {"users": int(part.x.n_users)}
    if name == "search":
        return {"ok": len(part) > 0, "products": len(part)}
    if name == "embedder":
        return {"model": part.model_id}
    return {}


@router.get("/health")
def health(runtime: RuntimeDep, request: Request, response: Response) -> dict[str, Any]:
    """Each component and the chat model in use, answered at once (nothing is loaded or waited
    for). Each part has a ``state``: ``warming`` (the server loads the parts in the background
    after it starts; requests that need one wait for it), ``ok``, ``failed`` (with the
    ``error``) or ``idle`` (loaded on first use: a runtime that is not warmed). ``status`` is
    ``ok`` when no part is warming or failed, ``warming`` (HTTP 200) while some are loading,
    ``degraded`` (HTTP 503) when a part failed or a stage is missing. The Slack bot, when
    configured, is shown as the ``optional`` component ``slack`` (warming, ok or failed with
    the reason) and never makes the server unhealthy."""
    s = runtime.services
    stages = _built(runtime)
    components: dict[str, dict[str, Any]] = {
        "store": {"ok": all(stages.values()), "state": OK if all(stages.values()) else FAILED,
                  "path": str(s.store.root), "built_at": stages},
    }
    warming = runtime.warming
    for name, st in runtime.status().items():
        state = WARMING if st.state == IDLE and warming else st.state
        entry: dict[str, Any] = {"ok": state in (OK, IDLE), **st.to_dict(), "state": state}
        part = s.peek(name) if name != "chat_model" else None
        if part is not None:
            entry.update(_part_details(name, part))
        if name == "chat_model":
            entry.update(runtime.model_info.to_dict())
        components[name] = entry
    components["sessions"] = {"ok": True, "state": OK, "kind": runtime.sessions.kind}
    slack = getattr(request.app.state, "slack", None)
    if slack is not None:  # optional: shown, but it never makes the server unhealthy
        components["slack"] = slack.status()
    needed = [c for c in components.values() if not c.get("optional")]
    states = {c["state"] for c in needed}
    failed = FAILED in states or not all(c["ok"] for c in needed if c["state"] in (OK, IDLE))
    if failed:
        response.status_code = 503
    status = "degraded" if failed else "warming" if WARMING in states else "ok"
    return {"status": status, "components": components,
            "warming": sorted(n for n, c in components.items()
                              if c["state"] == WARMING and not c.get("optional")),
            "retraining": runtime.retraining}


@router.get("/models")
def models(runtime: RuntimeDep) -> dict[str, Any]:
    """The chat model, the recommenders (strategies, hybrid weights, settings) and the
    embedding model."""
    s = runtime.services
    recsys = _manifest(runtime, "recsys")
    retrieval = _manifest(runtime, "retrieval")
    return {
        "chat": runtime.model_info.to_dict(),
        "recommenders": {"strategies": list(STRATEGIES), "hybrid_weights": s.recommenders.weights,
                         "settings": recsys.get("config", {}), "built_at": recsys.get("built_at"),
                         "validation": recsys.get("validation")},
        "embedding": {"model": retrieval.get("model_id"), "dim": retrieval.get("dim"),
                      "backend": retrieval.get("backend")},
    }


@router.get("/stats")
def stats(runtime: RuntimeDep) -> dict[str, Any]:
    """Table sizes of the data, uptime, requests and chat turns served, and the turns rated
    up and down (``feedback``, over every session in the session store)."""
    data = _manifest(runtime, "data")
    counters = runtime.counters
    return {"tables": data.get("tables", {}), "has_prices": data.get("has_prices"),
            "uptime_s": round(time.time() - runtime.started, 1), **counters.snapshot(),
            "feedback": runtime.sessions.feedback.counts()}


@router.get("/config")
def config(runtime: RuntimeDep) -> dict[str, Any]:
    """The tuning knobs in force (read-only; secrets are never shown)."""
    st = runtime.settings
    s = runtime.services
    return {
        "recommendations": {"tuning": dataclasses.asdict(s.recommenders.tuning),
                            "hybrid_weights": s.recommenders.weights},
        "analytics": dataclasses.asdict(s.analytics.params),
        "search": {"candidates": st.search_candidates,
                   "product_match_threshold": st.product_match_threshold},
        "chat": {"provider": st.chat_provider, "model": runtime.model_info.model,
                 "context_messages": st.chat_context_messages,
                 "keep_messages": st.chat_keep_messages, "max_chars": st.chat_max_chars,
                 "grounding": st.chat_grounding, "rate_limit_per_minute": st.chat_rate_limit,
                 "sessions": st.sessions},
        "server": {"cors_origins": st.cors_origins,
                   "retrain_enabled": st.admin_token is not None},
    }


def _authorise(runtime: Runtime, authorization: str | None) -> None:
    token = runtime.settings.admin_token
    if token is None:
        raise HTTPException(403, detail="retraining over HTTP is disabled: set "
                                        "CARTWISE_ADMIN_TOKEN")
    given = (authorization or "").removeprefix("Bearer ").strip()
    if not authorization or not authorization.startswith("Bearer ") or not hmac.compare_digest(
            given.encode(), token.get_secret_value().encode()):
        raise HTTPException(401, detail="a valid bearer token is required",
                            headers={"WWW-Authenticate": "Bearer"})


@router.post("/admin/retrain", status_code=202)
def retrain(runtime: RuntimeDep,
            authorization: Annotated[str | None, Header()] = None,
            force: bool = False) -> dict[str, Any]:
    """Rebuild the store in the background and swap the new models in without a restart
    (202); 409 while a rebuild runs, 401 without the token, 403 when disabled."""
    _authorise(runtime, authorization)
    if not runtime.retrain(force=force):
        raise HTTPException(409, detail="a retrain is already running")
    return {"started": True, "status": runtime.retrain_status.to_dict()}


@router.get("/admin/retrain")
def retrain_status(runtime: RuntimeDep,
                   authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
    """How the last or running retrain went."""
    _authorise(runtime, authorization)
    return {"running": runtime.retraining, "status": runtime.retrain_status.to_dict()}
