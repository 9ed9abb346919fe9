"""Admission control (bot/llm/admission.py): a crowded pool answers "busy" at once instead of queueing."""

from __future__ import annotations

import threading
import time

import pytest

from bot.llm.admission import AdmissionGate
from tools.chat_model import LLMBusy


def test_a_free_slot_is_lent_and_returned() -> None:
    gate = AdmissionGate(["a", "b"])
    with gate.slot(0.0) as first, gate.slot(0.0) as second:
        assert {first, second} == {"a", "b"}
    assert gate.estimated_wait_s() == 0.0


def test_refuses_at_once_when_the_estimated_wait_is_over_budget() -> None:
    gate = AdmissionGate(["only"], initial_service_s=5.0)
    with gate.slot(0.0):
        started = time.monotonic()
        with pytest.raises(LLMBusy, match="estimated wait"), gate.slot(1.0):
            pass
        assert time.monotonic() - started < 0.05  # no waiting at all
    assert gate.refused == 1


def test_waits_when_the_estimate_fits_and_a_slot_frees_in_time() -> None:
    gate = AdmissionGate(["only"], initial_service_s=0.2)
    release = threading.Event()

    def hold() -> None:
        with gate.slot(0.0):
            release.wait(2)

    holder = threading.Thread(target=hold)
    holder.start()
    time.sleep(0.05)
    threading.Timer(0.1, release.set).start()
    with gate.slot(1.0) as slot:
        assert slot == "only"
    holder.join()


def test_gives_up_when_the_real_wait_runs_past_the_budget() -> None:
    gate = AdmissionGate(["only"], initial_service_s=0.01)  # the estimate admits, the holder keeps the slot
    with gate.slot(0.0):
        started = time.monotonic()
        with pytest.raises(LLMBusy, match="no free instance"), gate.slot(0.2):
            pass
        assert time.monotonic() - started >= 0.19


def test_service_time_follows_the_generations() -> None:
    gate = AdmissionGate(["only"], initial_service_s=1.0, smoothing=1.0)
    with gate.slot(0.0):
        time.sleep(0.05)
    assert 0.04 < gate.service_s < 0.5
    with pytest.raises(ValueError):
        AdmissionGate([])
