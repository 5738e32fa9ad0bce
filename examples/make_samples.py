"""Write the demo's sample data: a small LLM-style instruction set and a human-written reference.

The LLM-style set is built from five templates on purpose, so it fails for one clear reason,
the homogenization synthgate looks for (FINDINGS.md §3): the same openings over and over,
duplicate instructions, little lexical diversity, outputs of one length. Every line is
readable and no output is empty, so nothing else fails. Run it again to regenerate:

    python examples/make_samples.py
"""

from __future__ import annotations

import json
import random
from pathlib import Path

HERE = Path(__file__).parent

TOPICS = [
    "time management", "healthy eating", "learning a language", "saving money", "remote work",
    "public speaking", "gardening", "sleep hygiene", "climate change", "team meetings",
    "job interviews", "home workouts", "reading habits", "travel planning", "customer service",
]
TEMPLATES = [
    ("Generate a list of tips for {t}.", "", "1. Set clear goals. 2. Make a plan. 3. Stay consistent. 4. Track your progress."),
    ("Generate a list of ideas about {t}.", "", "1. Start small. 2. Make a plan. 3. Stay consistent. 4. Ask for feedback."),
    ("Write a short paragraph about {t}.", "", "{T} is an important part of modern life. It can help people improve their well-being and achieve their goals. By following a few simple steps, anyone can benefit from {t}."),
    ("Explain the benefits of {t}.", "", "There are many benefits of {t}. It can help people improve their well-being and achieve their goals. Overall, {t} is an important part of modern life."),
    ("Generate a catchy slogan for {t}.", "", "Make every day count with {t}!"),
]


def llm_rows(rng: random.Random) -> list[dict[str, str]]:
    rows = []
    for _ in range(180):
        topic = rng.choice(TOPICS)
        instruction, given, output = rng.choice(TEMPLATES)
        fill = {"t": topic, "T": topic.capitalize()}
        rows.append({"instruction": instruction.format(**fill), "input": given, "output": output.format(**fill)})
    return rows


HUMAN = [
    ("What should I pack for a week of hiking in the Alps in September?", "", "Layers: a warm fleece, a rain shell and a thin down jacket, since mornings can be near freezing. Broken-in boots, two pairs of wool socks per day of walking, a map of the huts, and cash: many huts take no cards."),
    ("Rewrite this sentence so a ten-year-old understands it.", "Photosynthesis converts light energy into chemical energy stored in glucose.", "Plants use sunlight to make their own food, a kind of sugar they keep for later."),
    ("Is this review positive or negative?", "The battery died after two days and support never answered.", "Negative."),
    ("Suggest a name for a bakery that only sells sourdough.", "", "The Slow Rise."),
    ("Convert 72 degrees Fahrenheit to Celsius.", "", "About 22.2 °C: subtract 32, then multiply by 5/9."),
    ("Write a haiku about a train station at night.", "", "Last train announced twice / a paper cup rolls along / the empty platform"),
    ("Find the bug in this Python function.", "def mean(xs): return sum(xs) / len(xs) + 1", "The + 1 is wrong: the mean is sum(xs) / len(xs). It also fails on an empty list."),
    ("Give two arguments for and two against a four-day work week.", "", "For: people rest more and may work more focused; offices save energy. Against: some services need cover five days; compressed days can be tiring."),
    ("Which of these animals is not a mammal?", "dolphin, bat, penguin, whale", "The penguin, a bird."),
    ("Summarize the plot of Romeo and Juliet in one sentence.", "", "Two young lovers from feuding families in Verona marry in secret, and a chain of misunderstandings ends with both taking their own lives."),
    ("How do I politely decline a meeting invitation from my manager?", "", "Thank them, say briefly why you cannot attend, and offer an alternative: reading the notes, sending your input beforehand, or another time."),
    ("Classify the sentence as a question, command or statement.", "Close the window before you leave.", "Command."),
    ("Explain what a leap year is.", "", "A year with 366 days. We add 29 February every four years, except in century years not divisible by 400, so the calendar keeps pace with the Earth's orbit."),
    ("List three things to check before buying a used bicycle.", "", "Whether the frame has cracks or rust, whether the wheels spin true, and whether the gears shift cleanly under load."),
    ("Translate into French.", "Where is the nearest pharmacy?", "Où est la pharmacie la plus proche ?"),
    ("Tell me a fun fact about octopuses.", "", "An octopus has three hearts, and its blood is blue because it carries oxygen with copper rather than iron."),
    ("Draft a text message telling a friend I'm running 15 minutes late.", "", "Hey, so sorry, I'm running about 15 minutes late. Grab a table and I'll be there soon!"),
    ("What is the difference between weather and climate?", "", "Weather is what the atmosphere does on a given day; climate is the pattern of weather over decades in a region."),
    ("Sort these numbers from smallest to largest.", "17, 3, 42, 8, 23", "3, 8, 17, 23, 42"),
    ("Recommend a board game for four players who have never played one.", "", "Ticket to Ride: the rules take ten minutes to explain and every turn is a simple choice."),
    ("Why does bread go stale?", "", "Mostly because starch molecules recrystallize as the bread cools and ages, which makes the crumb firm and dry, even when little water is lost."),
    ("Write an opening line for a mystery novel set in a lighthouse.", "", "The lamp had turned every night for ninety years, and on the night it stopped, so did the keeper's watch."),
    ("Identify the main verb in the sentence.", "The committee finally approved the new budget.", "approved"),
    ("How many minutes are there in a week?", "", "10,080 minutes: 60 x 24 x 7."),
    ("Propose a weekend itinerary for Lisbon on a small budget.", "", "Saturday: walk Alfama, the free viewpoints and the river front, lunch at a tasca. Sunday: tram 28 early to avoid queues, Belém's pastries, and sunset at the Miradouro da Senhora do Monte."),
    ("Correct the grammar in this sentence.", "Me and him goes to the market every sunday.", "He and I go to the market every Sunday."),
    ("What would happen if the Moon disappeared?", "", "Tides would shrink to the smaller solar tides, nights would be darker, and over long times the tilt of the Earth's axis could wobble more, changing the seasons."),
    ("Describe the smell of rain to someone who has never smelled it.", "", "Earthy and a little sweet, like wet stone and cut grass, sharper when the first drops hit dry ground."),
    ("Give me a mnemonic for the order of the planets.", "", "My Very Educated Mother Just Served Us Noodles: Mercury, Venus, Earth, Mars, Jupiter, Saturn, Uranus, Neptune."),
    ("Decide whether the two sentences mean the same thing.", "Sentence 1: She barely passed the exam. Sentence 2: She failed the exam.", "No. Barely passing still means she passed."),
]


def main() -> None:
    rows = llm_rows(random.Random(7))
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    (HERE / "instructions_llm.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    human = [{"instruction": i, "input": g, "output": o} for i, g, o in HUMAN]
    (HERE / "instructions_human.jsonl").write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in human) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
