"""Reading a ReDial-format folder: dialogues.jsonl (one dialogue a line) and movies_with_mentions.csv."""

from __future__ import annotations

import csv
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIALOGUES_FILE = "dialogues.jsonl"
MOVIES_FILE = "movies_with_mentions.csv"
MENTION = re.compile(r"@(\d+)")


class RedialFormatError(ValueError):
    """The folder is not in the ReDial format (a file missing, a line that is not a dialogue)."""


@dataclass(frozen=True, slots=True)
class RedialMessage:
    sender: int  # senderWorkerId
    text: str  # as written, movies as @<movieId>

    def mentions(self) -> list[str]:
        """The movie ids this message mentions, in order of first appearance."""
        return list(dict.fromkeys(MENTION.findall(self.text)))


@dataclass(frozen=True, slots=True)
class RedialDialogue:
    conversation_id: str
    seeker: int  # initiatorWorkerId
    recommender: int  # respondentWorkerId
    messages: tuple[RedialMessage, ...]
    movie_names: dict[str, str] = field(default_factory=dict)  # movieMentions: id -> "Title  (Year)"
    suggested: frozenset[str] = frozenset()  # ids a questionnaire marks suggested=1

    @classmethod
    def from_json(cls, row: dict[str, Any]) -> RedialDialogue:
        try:
            messages = tuple(RedialMessage(int(m["senderWorkerId"]), _text(m.get("text"))) for m in row["messages"])
            names = {str(k): str(v) for k, v in dict(row.get("movieMentions") or {}).items()}
            suggested = {
                str(movie)
                for key in ("initiatorQuestions", "respondentQuestions")
                for movie, answers in dict(row.get(key) or {}).items()
                if isinstance(answers, dict) and answers.get("suggested") == 1
            }
            seeker, recommender = int(row["initiatorWorkerId"]), int(row["respondentWorkerId"])
            return cls(str(row["conversationId"]), seeker, recommender, messages, names, frozenset(suggested))
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise RedialFormatError(f"not a ReDial dialogue: {exc!r}") from exc


def _text(raw: object) -> str:
    """A message as its writer typed it: the dataset stores HTML entities ("&quot;scary movie&quot;")."""
    return html.unescape(str(raw or ""))


def read_dialogues(folder: Path, limit: int | None = None) -> list[RedialDialogue]:
    """The first `limit` dialogues (all when None) of folder/dialogues.jsonl, in file order."""
    path = folder / DIALOGUES_FILE
    if not path.is_file():
        raise RedialFormatError(f"{path} not found (a ReDial folder holds {DIALOGUES_FILE} and {MOVIES_FILE})")
    dialogues: list[RedialDialogue] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if limit is not None and len(dialogues) >= limit:
                break
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise RedialFormatError(f"{path}:{number}: not JSON ({exc})") from exc
            if not isinstance(row, dict):
                raise RedialFormatError(f"{path}:{number}: not a JSON object")
            dialogues.append(RedialDialogue.from_json(row))
    return dialogues


def read_movie_names(folder: Path) -> dict[str, str]:
    """movieId -> movieName from folder/movies_with_mentions.csv (empty when the file is absent: the dialogues'
    own movieMentions then name every movie)."""
    path = folder / MOVIES_FILE
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["movieId"]: row["movieName"] for row in csv.DictReader(handle) if row.get("movieId")}
