"""Explanations of the G codes of the reward-function trial (`check --reward-func`):
(meaning, why the trainer cares, example, fix) by code."""

from __future__ import annotations

_REMOVED = ("The trainer's prep validates every reward function on the first 5 prepared rows (the prompts stand in "
            "for completions) and silently removes one that fails; with none left the job ends in prep_task_failure "
            "('No valid reward functions remain'), otherwise it trains without that reward.")

ENTRIES: dict[str, tuple[str, str, str, str]] = {
    "G002": (
        "A reward function raised when it was called the way the trainer's prep calls it: on the first prompts as "
        "completions, with extra_data= when it takes that parameter. The trial runs it in a child process without "
        "network, so code that opens a socket raises too.",
        _REMOVED + " The trainer's reward containers have no network either.",
        "def reward(completions, **kwargs):\n    return [json.loads(c)['score'] for c in completions]  # NameError: json",
        "Make the function work on plain prompt strings; import what it needs inside its body; use no network.",
    ),
    "G003": (
        "A reward function returned something other than a list of numbers as long as the completions: a tuple, "
        "a generator, a shorter list, strings or None.",
        _REMOVED,
        "def reward(completions, **kwargs):\n    return [str(len(c)) for c in completions]  # strings",
        "Return list(...) with one int or float per completion.",
    ),
    "G004": (
        "A reward function's trial ran past the time limit (--reward-time-limit, 10 s by default) or the memory "
        "limit (--reward-memory-limit, 2 GiB) on a handful of prompts.",
        "Training calls every reward function on every completion of every step: one this slow or this large "
        "stalls the paid hours or is killed. The trainer's prep itself sets no limit, so this is a warning.",
        "def reward(completions, **kwargs):\n    time.sleep(60)\n    return [0.0] * len(completions)",
        "Load models and tables once, keep the per-completion work small, or raise the limits if the cost is known.",
    ),
    "G005": (
        "Two --reward-func files define the same first function name (the trainer names a function by the text "
        "after the first 'def ' of its code).",
        "The trainer writes every reward function into one module, rewards_<task>.py, and points TRL at "
        "module.<name> for each: with two alike, the later definition replaces the earlier, which is never called "
        "and whose weight goes to the other.",
        "a.py: def reward(completions, **kwargs): ...\nb.py: def reward(completions, **kwargs): ...",
        "Give each reward function its own name.",
    ),
    "G006": (
        "The first callable of the code, which the trainer's prep takes as the reward function, is not the "
        "function meant: an object imported at module level (from math import sqrt), another function named "
        "before FILE:NAME's, or a class or lambda before the first def.",
        "Prep execs the code and calls the first callable of its namespace; training then calls the first def by "
        "name. The reward trained is not the one written, or prep removes it when the wrong callable fails.",
        "from math import sqrt\ndef reward(completions, **kwargs): ...  # prep calls sqrt(completions)",
        "Define the reward function first, and import inside its body, as the trainer's own functions do.",
    ),
    "G007": (
        "The file defines several functions at module level and no :NAME says which is the reward; the trainer "
        "takes the first.",
        "Prep and training both take the first function: a helper defined first becomes the reward function, and "
        "the one meant is never called.",
        "def _clean(text): ...\ndef reward(completions, **kwargs): ...  # _clean is the reward",
        "Put helpers inside the reward function, or define it first; name it with FILE:NAME to check the intent.",
    ),
    "G008": (
        "A reward function gave every sampled prompt the same reward.",
        "GRPO learns from the difference between the rewards of a group of completions of one prompt: equal "
        "rewards give zero advantage, so this function adds no signal and its weight is wasted.",
        "def reward(completions, **kwargs):\n    return [1.0 for _ in completions]",
        "Check the function on real completions; a reward that cannot tell completions apart trains nothing.",
    ),
    "G009": (
        "The first def of the code takes its completions under another name (def reward(texts)), without a default.",
        "TRL calls every reward function with keywords, f(prompts=..., completions=..., **columns), and the "
        "Gradients registration rewrites the first def to (completions, <its other parameters>, **kwargs): the "
        "parameter becomes a second one that no call fills, so prep's validation raises and removes the function.",
        "def reward(texts, **kwargs):\n    return [float(len(t)) for t in texts]",
        "Name the first parameter completions and accept **kwargs: def reward(completions, **kwargs).",
    ),
}
