"""Explanations of the C (chat) codes: (meaning, why the trainer cares,
example, fix) by code."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str, str, str]] = {
    "C001": (
        "The conversation column holds something other than a list of messages: an object, a string, a number.",
        "prep keeps a non-list value as it is (a string is parsed only when it looks like a JSON list), and axolotl then fails with 'Unknown messages format. Please convert it into a list[dict]'.",
        '{"conversations": {"role": "user", "content": "Hi"}}',
        "Store a list of {role, content} objects.",
    ),
    "C002": (
        "The conversation is an empty list.",
        "prep skips empty chat rows: the row trains nothing, and when no chat row is left, prep raises on the empty data.",
        '{"conversations": []}',
        "Remove the row, or give it its turns.",
    ),
    "C003": (
        "A message of the conversation is not an object (a bare string, a number, a list).",
        "prep keeps only messages with role and content keys: a bare string is not one, so it is lost, and the row with it when fewer than 2 messages remain.",
        '{"conversations": [{"role": "user", "content": "Hi"}, "Hello!"]}',
        "Write each message as {\"role\": ..., \"content\": ...}.",
    ),
    "C004": (
        "Messages lack the role/content keys, typically ShareGPT's {from, value}.",
        "The job maps role and content keys; prep drops every message that lacks them, and with fewer than 2 messages left it drops the row: nothing is trained.",
        '{"conversations": [{"from": "human", "value": "Hi"}, {"from": "gpt", "value": "Hello!"}]}',
        "Run ftprep convert, which maps ShareGPT to {role, content} with the roles user/assistant.",
    ),
    "C005": (
        "A message's role is not system, user, assistant or tool (human, gpt, bot...).",
        "axolotl maps only the configured user and assistant labels and passes any other role to the template unchanged: chatml and llama3 render it as it is (so 'gpt' turns are not trained as the assistant), qwen3, deepseek_v3 and phi_4 drop it (C014); mistral_v3_tekken raises, and gemma3 raises where it breaks the user/assistant alternation (C012).",
        '{"conversations": [{"role": "human", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}',
        "Use the standard roles; for ShareGPT roles run ftprep convert.",
    ),
    "C006": (
        "A message's content is not a string (an object, a number; a list of content parts is C026).",
        "prep keeps the content as it is and the template expects text: at best the object is rendered as its Python repr ({'text': 'Hi'}) in the trained tokens, at worst the template raises.",
        '{"role": "user", "content": {"text": "Hi"}}',
        "Store the content as a string.",
    ),
    "C007": (
        "After prep's own drops (messages with null role or content, no role/content keys), fewer than 2 messages remain.",
        "The trainer's prep drops conversations with fewer than 2 valid messages, so the row is lost.",
        '{"conversations": [{"role": "assistant", "content": "Hello!"}]}',
        "Give the row a prompt and an answer, or remove it.",
    ),
    "C008": (
        "The conversation has no assistant turn.",
        "axolotl trains only the assistant turns (roles_to_train: assistant), so every label of the row is masked: it teaches nothing, and evaluation drops samples with no trainable label.",
        '{"conversations": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]}',
        "Add the assistant's answer, or check that the assistant label is 'assistant' (ShareGPT 'gpt': run ftprep convert).",
    ),
    "C009": (
        "The conversation ends with a turn other than the assistant's (usually a user turn).",
        "Only assistant turns are trained, so the turns after the last assistant turn cost tokens and teach nothing.",
        '{"conversations": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": "Thanks"}]}',
        "End the conversation with the assistant's answer, or drop the trailing turns.",
    ),
    "C010": (
        "An assistant message has empty content, or content that is only whitespace.",
        "That turn is a training target: the model learns to answer with nothing (just the end-of-turn token).",
        '{"conversations": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "  "}]}',
        "Write the answer, or remove the turn and the question it answers.",
    ),
    "C011": (
        "A system, user or tool message is empty or whitespace only (an ideographic space counts).",
        "The template renders the empty turn as it is: the model is trained on a turn with no text (for a user turn, on an answer to a question that was never asked).",
        '{"conversations": [{"role": "system", "content": ""}, {"role": "user", "content": "Hi"}, ...]}',
        "Remove the empty message, or give it its text.",
    ),
    "C012": (
        "The job's chat template raises on this conversation: gemma3 and mistral_v3_tekken need strict user/assistant alternation (mistral_v3_tekken allows no system message but a first one, and 9-character tool call ids); deepseek_v3 raises on tool calls.",
        "axolotl renders each row with the template; an exception raised in the template fails the tokenisation of the dataset, and the job with it.",
        'with --chat-template gemma3: {"conversations": [{"role": "user", ...}, {"role": "user", ...}, {"role": "assistant", ...}]}',
        "Merge consecutive turns of the same role, fix the roles the template supports, or choose a template that accepts the conversation (chatml, llama3, qwen3).",
    ),
    "C013": (
        "The job's chat template drops or moves a system message: mistral_v3_tekken drops it unless the conversation ends with a user turn, gemma3 merges it into the first user turn, deepseek_v3 moves later system messages to the top, phi_4 drops one that is not first.",
        "The model is trained on a rendering without the system text where you put it, so the behaviour it asks for is not what is learnt.",
        'with --chat-template mistral_v3_tekken: [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]',
        "Fold the system text into the first user message, or choose a template that keeps system messages (chatml, llama3, qwen3).",
    ),
    "C014": (
        "The job's chat template silently drops messages with this role: qwen3, deepseek_v3 and phi_4 skip roles other than system/user/assistant/tool, and phi_4 also drops tool messages.",
        "The message never reaches the tokens, so the turns after it are trained without the context it held.",
        'with --chat-template phi_4: [..., {"role": "tool", "content": "42"}, {"role": "assistant", "content": "Hello!"}]',
        "Use a role the template renders, or choose a template that keeps it (chatml and llama3 render any role).",
    ),
    "C015": (
        "The job's chat template injects its own default system prompt when the row has none (phi_4's built-in reasoning prompt).",
        "Every row without a system message is trained under a system prompt you did not write, which the model then expects at inference.",
        'with --chat-template phi_4: {"conversations": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]}',
        "Add a system message of your own to every row.",
    ),
    "C016": (
        "A message's text holds a chat-template control string: <|im_start|>, <|im_end|>, <|endoftext|>, [INST], <start_of_turn>, <|eot_id|> and the like.",
        "The tokenizer turns the string into the real special token, so the text forges a turn boundary: the rendering the model is trained on is not the conversation you wrote.",
        '{"role": "user", "content": "Repeat <|im_end|> please"}',
        "Remove or escape the control strings (write them with a space inside, or describe them).",
    ),
    "C017": (
        "The job's chat template drops this <think> reasoning: qwen3 drops it from assistant turns before the last user turn, deepseek_v3 from every assistant turn.",
        "The reasoning you wrote is not in the trained tokens: the model is not taught to reason in those turns.",
        'with --chat-template qwen3: [user, {"role": "assistant", "content": "<think>plan</think>Hi"}, user, assistant]',
        "Keep reasoning in the last assistant turn only, or split multi-turn rows into one row per answer.",
    ),
    "C018": (
        "The job's chat template (phi_4) is missing from older trainer images.",
        "axolotl images before 2025-06, such as the validator's evaluation image of 2025-04, raise \"Template 'phi_4' not found\", so the job can fail depending on the image it runs on.",
        "--chat-template phi_4",
        "Prefer chatml or qwen3 if the job may run on an older image.",
    ),
    "C019": (
        "An assistant turn is masked by a per-message weight (weight 0, loss_weight 0, train false): the data means it not to be trained.",
        "The trainer's prep keeps only role and content, so the weight is lost and the masked turn is trained like any other.",
        '[{"role": "user", "content": "Name a prime."}, {"role": "assistant", "content": "Nine.", "weight": 0}, ...]',
        "ftprep convert cuts masked final turns; rewrite or remove masked turns in the middle of a conversation.",
    ),
    "C020": (
        "convert cut a conversation after its last trained turn, because the assistant turns after it are masked (weight 0).",
        "The trainer would drop the weights and train those turns (C019); cutting them is what keeps them untrained.",
        '[..., {"from": "gpt", "value": "Go away.", "weight": 0}]  (cut after the turn before it)',
        "Nothing to do; check that the masks in the source are what you meant.",
    ),
    "C021": (
        "convert wrote a tool call (a function_call turn, a tool_call part) as assistant text holding the call's JSON.",
        "The job's template has no tool-call rendering that convert can target, so the call is trained as plain text: the model learns to write the JSON, not to call a tool.",
        '{"from": "function_call", "value": "{\\"name\\": \\"get_weather\\", ...}"}',
        "With --chat-template qwen3, convert writes qwen3's <tool_call> markup; otherwise check that plain-text calls are what you want.",
    ),
    "C022": (
        "A multimodal row: an images column, a media content part, or an <image>/<video>/<audio> placeholder in the text.",
        "The trainer is text-only: it drops the media and trains any placeholder as literal text, so the model learns to talk about images it never saw.",
        '{"messages": [{"role": "user", "content": "<image>Who are they?"}, ...], "images": ["demo/1.jpg"]}',
        "Remove the multimodal rows (ftprep convert refuses them).",
    ),
    "C025": (
        "A message's role or content is null.",
        "The trainer's prep drops that message and trains the rest of the row, so the conversation is trained with a turn missing (and with fewer than 2 messages left, the row is dropped, C007).",
        '[{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}, {"role": "user", "content": null}]',
        "Remove the message, or give it text.",
    ),
    "C026": (
        "A message's content is a list of content parts ([{\"type\": \"text\", \"text\": ...}]).",
        "Current axolotl joins the parts' text for training, but the validator's evaluation image (axolotl of 2025-04) passes the list to the template and raises a TypeError: evaluation fails.",
        '{"role": "user", "content": [{"type": "text", "text": "What is 2+2?"}]}',
        "Join the text parts into one string (ftprep convert does).",
    ),
}
