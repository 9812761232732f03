"""Write a set of drawn passports, ID cards and visas for `paperclerk eval mrz`.

Every Doc 9303 format, turned by 0/90/180/270 degrees or a small skew, blurred and
JPEG-compressed at random; a share carries a deliberately broken check digit
(`"valid": false`), so that `invalid_flagged` can be measured. The truth file is
`OUT/ground_truth.json`, in the format `eval mrz` reads.

    .venv/bin/python scripts/make_mrz_set.py /tmp/mrz_synthetic --count 60 --seed 0
    .venv/bin/paperclerk eval mrz /tmp/mrz_synthetic --json /tmp/mrz_synthetic.json
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import cv2

from paperclerk.datasets.synthetic_identity import break_check_digit, random_fields, render_identity
from paperclerk.parsers.mrz_build import build_mrz
from paperclerk.parsers.mrz_formats import MrzFormat

CODES = {MrzFormat.TD3: "P", MrzFormat.TD2: "I", MrzFormat.TD1: "ID", MrzFormat.MRVA: "V",
         MrzFormat.MRVB: "V"}  # fmt: skip


def main() -> None:
    """Write the images and the truth file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--invalid-share", type=float, default=0.25)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    records = []
    for i in range(args.count):
        fmt = rng.choice(list(CODES))
        holder = random_fields(rng, CODES[fmt])
        lines = build_mrz(fmt, holder.fields)
        valid = rng.random() >= args.invalid_share
        if not valid:
            lines = break_check_digit(lines, rng)
        angle = rng.choice([0, 0, 90, 180, 270, rng.uniform(-10, 10)])
        image, _ = render_identity(holder, fmt, angle=angle, mrz_lines=lines)
        if rng.random() < 0.5:
            image = cv2.GaussianBlur(image, (3, 3), 0)
        scale = rng.uniform(0.6, 1.0)
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        name = f"{i:03d}_{fmt.value.lower()}.jpg"
        cv2.imwrite(str(args.out / name), image, [cv2.IMWRITE_JPEG_QUALITY, rng.randint(55, 90)])
        record: dict[str, object] = {"image": name, "mrz": "\n".join(lines), "mrz_type": fmt.value}
        if not valid:
            record["valid"] = False
        records.append(record)
    truth = {"source": f"scripts/make_mrz_set.py --count {args.count} --seed {args.seed}",
             "records": records}  # fmt: skip
    (args.out / "ground_truth.json").write_text(json.dumps(truth, indent=1) + "\n")
    print(f"{len(records)} images in {args.out}")


if __name__ == "__main__":
    main()
