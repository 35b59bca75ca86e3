"""Prompt parser for the world's caption grammar (English and Chinese): text -> SceneSpec.

    python -c "import world; p = world.parse('a red ball moves right and hits a blue box'); print(p.spec); print(p.caption)"

Steps: normalise the text (NFKC, lower case, punctuation splits it into runs), scan each run for
the longest lexicon form (English word by word, Chinese character by character), then read the
tokens as clauses. A noun phrase (size? colour? shape) opens the clause of its object; naming the
same colour and shape again returns to that object; "the camera" / 镜头 opens the camera's clause.
Motions and directions go to the open clause, whatever their order (English says "moves right",
Chinese 向右移动). "hits" and "to the left of" take the next object as their target; Chinese
relations read "A在B的左边". Defaults: size medium; background plain, or textured with a pan; an
object named without a colour gets the first palette colour nobody else has. Anything outside
the grammar or contradictory raises ValueError with a message that names the words at fault.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from world.captions import detailed_caption
from world.expectation import Expectation, expectation_for
from world.lexicon import LEXICON
from world.spec import EVENT_DIRECTIONS, EVENT_OBJECTS, HORIZONTAL, PALETTE, ObjectSpec, SceneSpec

MAX_OBJECTS = max(high for _, high in EVENT_OBJECTS.values())

Token = tuple[str, str, str]  # (kind, concept, surface form as written)


@dataclass(frozen=True)
class ParsedPrompt:
    spec: SceneSpec  # the scene the prompt describes, defaults filled in
    expectation: Expectation  # what a correct video of it shows: expectation_for(spec)
    caption: str  # the detailed English caption of spec: the expanded prompt
    language: str  # "en" or "zh", detected from the text
    notes: tuple[str, ...] = ()  # what parsing filled in or left out (a direction, emoji), for the user to see


def parse(text: str) -> ParsedPrompt:
    """Read a prompt in the caption grammar; raise ValueError naming what it cannot read.

    A prompt the grammar can complete is completed, not refused: an event that needs a direction
    and is given none goes right (or the first direction it allows). Symbols and emoji, which the
    grammar has no words for, are left out. Both are said in `notes`.
    """
    language = "zh" if _CJK.search(text) else "en"
    notes = _ignored_symbols(text)
    tokens = _tokenize("".join(" " if _is_symbol(c) else c for c in text), language)
    if not tokens:
        raise ValueError(f"empty prompt {text!r}: name at least one object, e.g. 'a red ball moves right'")
    spec = _scene(*_read(tokens, language), notes=notes)
    return ParsedPrompt(
        spec=spec, expectation=expectation_for(spec), caption=detailed_caption(spec), language=language,
        notes=tuple(notes),
    )


def _is_symbol(c: str) -> bool:
    """Symbols and emoji (Unicode categories S*, and the joiner and selector emoji are built from)."""
    return unicodedata.category(c).startswith("S") or c in "\u200d\ufe0f"


def _ignored_symbols(text: str) -> list[str]:
    """A note naming the symbols and emoji in text: they are read as spaces, before NFKC would
    turn some of them into letters (™ -> tm)."""
    shown = [c for c in dict.fromkeys(text) if _is_symbol(c) and c not in "\u200d\ufe0f"]
    if not shown:
        return []
    return ["ignored " + ", ".join(f"'{c}'" for c in shown) + ": the world's grammar has no words for symbols or emoji"]


# ---------------------------------------------------------------- tokens

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def _flatten(lang: str) -> dict[str, tuple[str, str]]:
    flat: dict[str, tuple[str, str]] = {}
    for kind, forms in LEXICON[lang].items():
        for surface, concept in forms.items():
            if surface in flat:  # one form, two meanings: the grammar would be ambiguous
                raise ValueError(f"lexicon[{lang!r}]: {surface!r} is both {flat[surface][0]} and {kind}")
            flat[surface] = (kind, concept)
    return flat


_FORMS = {lang: _flatten(lang) for lang in LEXICON}
# The longest form, in words (English) or characters (Chinese): how far a match looks ahead.
_LONGEST = {
    "en": max(len(s.split()) for s in _FORMS["en"]),
    "zh": max(len(s) for s in _FORMS["zh"]),
}


def _runs(text: str) -> list[str]:
    """Lower-cased pieces of text between punctuation marks (a form never spans one)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = re.sub(r"['’]", "", text)  # doesn't -> doesnt
    text = re.sub(r"(?<=\w)-(?=\w)", " ", text)  # medium-sized -> medium sized
    return [run for run in re.split(r"[^\w\s]+", text) if run.strip()]


def _tokenize(text: str, lang: str) -> list[Token]:
    """Text -> lexicon tokens, longest form first; every word outside the lexicon is an error."""
    forms = _FORMS[lang]
    tokens: list[Token] = []
    unknown: list[str] = []
    for run in _runs(text):
        # English scans words; Chinese scans the characters of each space-separated piece.
        pieces = [run.split()] if lang == "en" else [list(piece) for piece in run.split()]
        for units in pieces:
            i, stray = 0, ""  # stray: unknown Chinese characters in a row, reported as one word
            while i < len(units):
                surface = _longest_form(units, i, lang)
                if surface is None:
                    if lang == "en":
                        unknown.append(units[i])
                    else:
                        stray += units[i]
                    i += 1
                    continue
                if stray:
                    unknown.append(stray)
                    stray = ""
                tokens.append((*forms[surface], surface))
                i += len(surface.split()) if lang == "en" else len(surface)
            if stray:
                unknown.append(stray)
    if unknown:
        words = list(dict.fromkeys(unknown))
        plural = "s" if len(words) > 1 else ""
        quoted = ", ".join(f"'{w}'" for w in words)
        raise ValueError(f"unknown word{plural}: {quoted}. The world understands {understood(lang)}.")
    return tokens


def _longest_form(units: list[str], i: int, lang: str) -> str | None:
    """The longest lexicon form starting at units[i], or None."""
    joiner = " " if lang == "en" else ""
    for n in range(min(_LONGEST[lang], len(units) - i), 0, -1):
        surface = joiner.join(units[i : i + n])
        if surface in _FORMS[lang]:
            return surface
    return None


def understood(lang: str = "en") -> str:
    """What the grammar knows, concisely: 'colours red, ...; shapes ball (sphere), ...; ...'."""
    parts = []
    for kind, label in (
        ("colour", "colours"),
        ("shape", "shapes"),
        ("size", "sizes"),
        ("motion", "motions"),
        ("relation", "relations"),
        ("direction", "directions"),
        ("camera_motion", "camera"),
        ("background", "background"),
    ):
        by_concept: dict[str, list[str]] = {}
        for surface, concept in LEXICON[lang][kind].items():
            by_concept.setdefault(concept, []).append(surface)
        # Shapes and sizes list their variants; elsewhere the first form stands for the rest.
        items = [
            f"{forms[0]} ({', '.join(forms[1:4])})" if kind in ("shape", "size") and len(forms) > 1 else forms[0]
            for forms in by_concept.values()
        ]
        parts.append(f"{label} {', '.join(items)}")
    return "; ".join(parts)


# ---------------------------------------------------------------- clauses


@dataclass
class _Clause:
    """Parser scratch: everything the prompt says about one object, or about the camera."""

    name: str  # as the prompt named it ("red ball", "ball", "camera"), for messages
    colour: str | None = None
    shape: str | None = None
    size: str | None = None
    motions: list[tuple[str, str]] = field(default_factory=list)  # (concept, surface)
    directions: list[tuple[str, str]] = field(default_factory=list)
    camera_moves: list[tuple[str, str]] = field(default_factory=list)
    relation: tuple[str, str] | None = None  # (side, surface)
    target: int | None = None  # index of the object hit, or the relation's reference
    waiting: str | None = None  # the word still waiting for its object ('hits', 'to the left of', '在')


def _read(tokens: list[Token], lang: str) -> tuple[list[_Clause], _Clause, list[tuple[str, str]]]:
    """Tokens -> one clause per object (in order of first mention), the camera's, and the backgrounds."""
    objects: list[_Clause] = []
    camera = _Clause(name="camera")
    backgrounds: list[tuple[str, str]] = []
    current: _Clause | None = None
    noun: dict[str, tuple[str, str]] = {}  # colour/size read so far, waiting for their shape

    for kind, concept, surface in tokens:
        if kind == "filler":
            continue
        if kind in ("colour", "size"):
            if kind in noun and noun[kind][0] != concept:
                raise ValueError(f"one object cannot be both '{noun[kind][1]}' and '{surface}'")
            noun[kind] = (concept, surface)
            continue
        if kind == "shape":
            index = _mention(objects, noun, concept, surface)
            noun = {}
            if current is not None and current.waiting:  # the object that 'hits' / 'to the left of' wants
                if current is objects[index]:
                    raise ValueError(f"'{current.waiting}' needs another object: the {current.name} cannot reach itself")
                if current.target not in (None, index):
                    first, second = objects[current.target].name, objects[index].name
                    raise ValueError(f"the {current.name} has two targets: the {first} and the {second}")
                current.target, current.waiting = index, None
            else:
                current = objects[index]
            continue
        if noun:
            raise _no_shape(noun)
        if kind == "background":
            backgrounds.append((concept, surface))
        elif kind == "camera":
            current = camera
        elif current is None:
            raise ValueError(f"'{surface}' comes before any object: start with it, e.g. 'a red ball {surface}'")
        elif kind == "motion":
            current.motions.append((concept, surface))
            if concept == "hit":
                current.waiting = surface
        elif kind == "direction":
            current.directions.append((concept, surface))
        elif kind == "camera_motion":
            current.camera_moves.append((concept, surface))
        elif kind == "anchor":
            current.waiting = surface
        elif kind == "relation":
            if current.relation and current.relation[0] != concept:
                raise ValueError(f"the {current.name} cannot be both '{current.relation[1]}' and '{surface}'")
            current.relation = (concept, surface)
            if current.target is None:
                if lang == "zh":  # "A左边是B" reads the other way round; only "A在B的左边" is unambiguous
                    raise ValueError(f"'{surface}' needs the object it is next to first: say 'A在B的{surface}'")
                current.waiting = surface
    if noun:
        raise _no_shape(noun)
    for clause in [*objects, camera]:
        if clause.waiting:
            word = clause.waiting
            raise ValueError(f"'{word}' has no object after it: say e.g. 'a red ball {word} a blue box'")
    if not objects:
        raise ValueError("no object named: say e.g. 'a red ball moves right'")
    return objects, camera, backgrounds


def _no_shape(noun: dict[str, tuple[str, str]]) -> ValueError:
    word = " ".join(surface for _, surface in noun.values())
    return ValueError(f"'{word}' is not followed by a shape: say e.g. '{word} ball', '{word} box' or '{word} triangle'")


def _mention(objects: list[_Clause], noun: dict[str, tuple[str, str]], shape: str, surface: str) -> int:
    """The index of the object a noun phrase names: an earlier one with its colour, or a new one."""
    colour = noun["colour"][0] if "colour" in noun else None
    size = noun["size"][0] if "size" in noun else None
    for i, obj in enumerate(objects):
        if colour is not None and obj.colour == colour:
            if obj.shape != shape:
                raise ValueError(
                    f"two objects share the colour {colour}: the {obj.name} and a {colour} {surface}; "
                    "each object needs its own colour"
                )
            if size is not None and obj.size not in (None, size):
                raise ValueError(f"the {obj.name} cannot be both '{obj.size}' and '{size}'")
            obj.size = obj.size or size
            return i
    name = f"{colour} {shape}" if colour else shape
    if len(objects) == MAX_OBJECTS:
        names = ", ".join(o.name for o in objects)
        raise ValueError(f"a scene has at most {MAX_OBJECTS} objects: {names} and a {name} make one too many")
    objects.append(_Clause(name=name, colour=colour, shape=shape, size=size))
    return len(objects) - 1


# ---------------------------------------------------------------- scene

# The event a clause's motions add up to. "moves right and hits" is a hit; "rests to the left
# of" a relation; any other mix is two events for one object.
_EVENT_OF: dict[frozenset[str], str] = {
    frozenset({"move"}): "move",
    frozenset({"fall"}): "fall",
    frozenset({"still"}): "still",
    frozenset({"hit"}): "hit",
    frozenset({"move", "hit"}): "hit",
    frozenset({"occlude"}): "occlude",
    frozenset({"move", "occlude"}): "occlude",
    frozenset({"relation"}): "relation",
    frozenset({"still", "relation"}): "relation",
}


def _event(obj: _Clause, objects: list[_Clause]) -> tuple[str | None, str | None]:
    """(event, the word that says it) for one object; (None, None) when it is not said to do anything."""
    if obj.camera_moves:
        raise ValueError(f"'{obj.camera_moves[0][1]}' is what the camera does: say e.g. 'the camera pans left'")
    said: dict[str, str] = {}
    for concept, surface in obj.motions:
        said.setdefault(concept, surface)
    if obj.relation:
        said.setdefault("relation", obj.relation[1])
    if obj.target is not None and not ({"hit", "relation"} & set(said)):
        place = objects[obj.target].name
        raise ValueError(f"the {obj.name} is placed at the {place} with no side: say 'A在B的左边' or 'A在B的右边'")
    if not said:
        if obj.directions:
            word = obj.directions[0][1]
            raise ValueError(f"'{word}' has no motion to go with: say e.g. 'the {obj.name} moves {word}'")
        return None, None
    event = _EVENT_OF.get(frozenset(said))
    if event is None:
        words = ", ".join(f"'{s}'" for s in said.values())
        raise ValueError(f"the {obj.name} is given two events ({words}): a scene shows one event")
    return event, said[event]


def _direction(obj: _Clause, event: str, word: str, notes: list[str] | None = None) -> str | None:
    """The direction of an object's event, checked against what the event allows. A missing one is
    filled in (right, else the first allowed) with a note, when `notes` collects them."""
    said = list(dict.fromkeys(obj.directions))
    concepts = list(dict.fromkeys(c for c, _ in said))
    if len(concepts) > 1:
        raise ValueError(f"the {obj.name} is given two directions: " + " and ".join(f"'{s}'" for _, s in said))
    if event == "relation":
        if concepts:
            raise ValueError(f"'{word}' already gives the side; drop '{said[0][1]}'")
        return obj.relation[0] if obj.relation else None
    allowed = EVENT_DIRECTIONS[event]
    if not allowed and concepts:
        raise ValueError(f"'{word}' takes no direction, got '{said[0][1]}'")
    if allowed and not concepts:
        if notes is None:
            raise ValueError(f"'{word}' needs a direction: {_either(allowed)}")
        chosen = "right" if "right" in allowed else allowed[0]
        notes.append(f"'{word}' was given no direction: it goes {chosen} (say {_either(allowed)})")
        return chosen
    if concepts and concepts[0] not in allowed:
        raise ValueError(f"'{word}' goes {_either(allowed)}, got '{said[0][1]}'")
    return concepts[0] if concepts else None


def _either(options: tuple[str, ...]) -> str:
    return ", ".join(options[:-1]) + " or " + options[-1]


def _pan(camera: _Clause) -> str | None:
    """The camera's pan direction, or None for a static camera."""
    said: dict[str, str] = {}
    for concept, surface in camera.camera_moves:
        said.setdefault(concept, surface)
    for concept, surface in camera.motions:  # "the camera moves left" pans, "stays still" is static
        if concept not in ("move", "still"):
            raise ValueError(f"the camera pans left or right or is static; it cannot '{surface}'")
        said.setdefault("pan" if concept == "move" else "static", surface)
    if camera.relation:
        raise ValueError(f"the camera pans left or right or is static; it cannot be '{camera.relation[1]}' anything")
    if len(said) > 1:
        raise ValueError(f"the camera cannot both '{said['pan']}' and be '{said['static']}'")
    directions = list(dict.fromkeys(c for c, _ in camera.directions))
    if "pan" in said:
        if not directions:
            raise ValueError(f"'{said['pan']}' needs a side: the camera pans left or right")
        if len(directions) > 1 or directions[0] not in HORIZONTAL:
            got = ", ".join(f"'{s}'" for _, s in dict.fromkeys(camera.directions))
            raise ValueError(f"the camera pans left or right, got {got}")
        return directions[0]
    if directions:
        word = camera.directions[0][1]
        raise ValueError(f"the camera is given a direction ('{word}') but no pan: say 'the camera pans {word}'")
    return None


def _scene(objects: list[_Clause], camera: _Clause, backgrounds: list[tuple[str, str]],
           notes: list[str] | None = None) -> SceneSpec:
    events = [_event(obj, objects) for obj in objects]
    doers = [i for i, (event, _) in enumerate(events) if event not in (None, "still")]
    if len(doers) > 1:
        said = " and ".join(f"the {objects[i].name} '{events[i][1]}'" for i in doers)
        raise ValueError(f"two events: {said}; a scene shows one event (the other objects stay still)")
    subject = doers[0] if doers else 0
    event, word = events[subject] if doers else ("still", "stays still")
    direction = _direction(objects[subject], event, word or "", notes)
    for i, obj in enumerate(objects):
        if i != subject:
            _direction(obj, "still", events[i][1] or "stays still")  # raises if a still object is given one

    order = [subject]
    target = objects[subject].target
    if event in ("hit", "relation") and target is not None:  # _read made sure they have one
        order.append(target)
    order += [i for i in range(len(objects)) if i not in order]

    # Objects named without a colour take the first palette colour no other object has.
    taken = {obj.colour for obj in objects if obj.colour}
    for obj in objects:
        if obj.colour is None:
            obj.colour = next(c for c in PALETTE if c not in taken)
            taken.add(obj.colour)

    pan = _pan(camera)
    kinds = list(dict.fromkeys(c for c, _ in backgrounds))
    if len(kinds) > 1:
        both = " and ".join(f"'{s}'" for _, s in dict.fromkeys(backgrounds))
        raise ValueError(f"the background cannot be both {both}")
    background = kinds[0] if kinds else ("textured" if pan else "plain")
    if pan and background == "plain":
        raise ValueError("a camera pan needs a textured background to be seen: drop 'plain' or the pan")

    low, high = EVENT_OBJECTS[event]
    if not low <= len(objects) <= high:
        names = ", ".join(objects[i].name for i in order)
        raise ValueError(f"a '{event}' scene shows {low}-{high} objects, got {len(objects)}: {names}")
    return SceneSpec(
        objects=tuple(_object_spec(objects[i]) for i in order),
        event=event,
        direction=direction,
        background=background,
        pan=pan,
    )


def _object_spec(obj: _Clause) -> ObjectSpec:
    assert obj.shape is not None and obj.colour is not None  # set by _mention and _scene
    return ObjectSpec(shape=obj.shape, colour=obj.colour, size=obj.size or "medium")
