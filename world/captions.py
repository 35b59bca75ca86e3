"""Captions for scene specs, English and Chinese: the short prompt and the detailed caption.

    python -c "import world; s = world.parse('a red ball falls').spec; print(world.detailed_caption(s, 'zh'))"

`short_prompt` is what a user would type: it may leave out sizes and the background but names
everything `expectation_for(spec)` depends on (objects, event, direction, camera pan).
`detailed_caption` is the re-captioning target: it carries the whole spec, so
`world.parse(detailed_caption(spec)).spec == spec`. One canonical form per spec, no randomness;
every word used here is in `world.lexicon`, which also accepts the common variants.
"""

from __future__ import annotations

from world.spec import ObjectSpec, SceneSpec

LANGUAGES = ("en", "zh")

# English phrases for a direction in the detailed caption ("moves steadily to the left").
_EN_DIRECTION = {"left": "to the left", "right": "to the right", "up": "upward", "down": "downward"}

_ZH_COLOUR = {
    "red": "红色",
    "orange": "橙色",
    "yellow": "黄色",
    "green": "绿色",
    "blue": "蓝色",
    "purple": "紫色",
}
_ZH_SHAPE = {"ball": "球", "box": "方块", "triangle": "三角形"}
_ZH_SIZE = {"small": "小", "medium": "中等大小", "large": "大"}
_ZH_DIRECTION = {"left": "向左", "right": "向右", "up": "向上", "down": "向下"}
_ZH_SIDE = {"left": "左边", "right": "右边"}
_ZH_BACKGROUND = {"plain": "纯色", "textured": "纹理"}


def short_prompt(spec: SceneSpec, lang: str = "en") -> str:
    """'a red ball moves right and hits a blue box, the camera pans left' (no sizes, no background)."""
    _check_lang(lang)
    return _short_en(spec) if lang == "en" else _short_zh(spec)


def detailed_caption(spec: SceneSpec, lang: str = "en") -> str:
    """Sentences naming every object's size, colour and shape, the event, the background and the camera."""
    _check_lang(lang)
    return _detailed_en(spec) if lang == "en" else _detailed_zh(spec)


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise ValueError(f"lang: expected one of {list(LANGUAGES)}, got {lang!r}")


def _bystanders(spec: SceneSpec) -> tuple[ObjectSpec, ...]:
    """The objects the event does not involve: they stay still."""
    involved = 2 if spec.event in ("hit", "relation") else 1
    return spec.objects[involved:]


# ---------------------------------------------------------------- English


def _a(noun: str) -> str:
    return f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}"  # an orange ball


def _en_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _en_still(names: list[str]) -> str:
    return f"{_en_list(names)} {'stays' if len(names) == 1 else 'stay'} still"


def _short_en(spec: SceneSpec) -> str:
    a, d = [_a(o.name) for o in spec.objects], spec.direction
    if spec.event == "still":
        text = _en_still(a)
    elif spec.event == "move":
        text = f"{a[0]} moves {d}"
    elif spec.event == "fall":
        text = f"{a[0]} falls and bounces"
    elif spec.event == "hit":
        text = f"{a[0]} moves {d} and hits {a[1]}"
    elif spec.event == "occlude":
        text = f"{a[0]} moves {d} behind a wall"
    else:  # relation
        text = f"{a[0]} to the {d} of {a[1]}"
    rest = [_a(o.name) for o in _bystanders(spec)]
    if rest and spec.event != "still":
        text += ", and " + _en_still(rest)
    if spec.pan:
        text += f", the camera pans {spec.pan}"
    return text


def _detailed_en(spec: SceneSpec) -> str:
    a = [f"a {o.size} {o.colour} {o.shape}" for o in spec.objects]
    d = _EN_DIRECTION.get(spec.direction or "", "")
    if spec.event == "still":
        sentences = [f"{n} stays still." for n in a]
    elif spec.event == "move":
        sentences = [f"{a[0]} moves steadily {d} across the frame."]
    elif spec.event == "fall":
        sentences = [f"{a[0]} falls under gravity and bounces on the floor, each bounce lower than the last."]
    elif spec.event == "hit":
        sentences = [f"{a[0]} moves {d} and hits {a[1]}, which only starts moving after the contact."]
    elif spec.event == "occlude":
        sentences = [f"{a[0]} moves {d}, passes behind a wall and comes out the other side."]
    else:  # relation
        sentences = [f"{a[0]} rests to the {spec.direction} of {a[1]}."]
    if spec.event != "still":
        sentences += [f"a {o.size} {o.colour} {o.shape} stays still." for o in _bystanders(spec)]
    sentences.append(f"the background is {spec.background} light grey.")
    sentences.append(f"the camera pans {_EN_DIRECTION[spec.pan]}." if spec.pan else "the camera is static.")
    return " ".join(s[0].upper() + s[1:] for s in sentences)


# ---------------------------------------------------------------- Chinese


def _zh_list(names: list[str]) -> str:
    return names[0] if len(names) == 1 else "、".join(names[:-1]) + "和" + names[-1]


def _zh_short_name(o: ObjectSpec) -> str:
    return f"{_ZH_COLOUR[o.colour]}的{_ZH_SHAPE[o.shape]}"  # 红色的球


def _zh_full_name(o: ObjectSpec) -> str:
    return f"一个{_ZH_SIZE[o.size]}的{_ZH_COLOUR[o.colour]}{_ZH_SHAPE[o.shape]}"  # 一个小的红色球


def _short_zh(spec: SceneSpec) -> str:
    a = [_zh_short_name(o) for o in spec.objects]
    d = _ZH_DIRECTION.get(spec.direction or "", "")
    if spec.event == "still":
        text = f"{_zh_list(a)}静止不动"
    elif spec.event == "move":
        text = f"{a[0]}{d}移动"
    elif spec.event == "fall":
        text = f"{a[0]}落下并弹起"
    elif spec.event == "hit":
        text = f"{a[0]}{d}移动并撞上{a[1]}"
    elif spec.event == "occlude":
        text = f"{a[0]}{d}移动并从墙后穿过"
    else:  # relation: Chinese puts the reference object between 在 and the side
        text = f"{a[0]}在{a[1]}的{_ZH_SIDE[spec.direction or '']}"
    rest = [_zh_short_name(o) for o in _bystanders(spec)]
    if rest and spec.event != "still":
        text += f"，{_zh_list(rest)}静止不动"
    if spec.pan:
        text += f"，镜头{_ZH_DIRECTION[spec.pan]}平移"
    return text


def _detailed_zh(spec: SceneSpec) -> str:
    a = [_zh_full_name(o) for o in spec.objects]
    d = _ZH_DIRECTION.get(spec.direction or "", "")
    if spec.event == "still":
        sentences = [f"{n}静止不动。" for n in a]
    elif spec.event == "move":
        sentences = [f"{a[0]}匀速地{d}移动。"]
    elif spec.event == "fall":
        sentences = [f"{a[0]}在重力作用下落下，在地面上弹起，每次弹起都比上一次低。"]
    elif spec.event == "hit":
        sentences = [f"{a[0]}{d}移动并撞上{a[1]}，被撞的物体在碰撞后才开始移动。"]
    elif spec.event == "occlude":
        sentences = [f"{a[0]}{d}移动，从墙后穿过，并从另一侧出来。"]
    else:  # relation
        sentences = [f"{a[0]}静止在{a[1]}的{_ZH_SIDE[spec.direction or '']}。"]
    if spec.event != "still":
        sentences += [f"{_zh_full_name(o)}静止不动。" for o in _bystanders(spec)]
    sentences.append(f"背景是浅灰色的{_ZH_BACKGROUND[spec.background]}背景。")
    sentences.append(f"镜头{_ZH_DIRECTION[spec.pan]}平移。" if spec.pan else "镜头固定不动。")
    return "".join(sentences)
