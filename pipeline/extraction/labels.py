"""Row labels: map a printed table row label (with its merged-cell parents) to a canonical row of fields.json.

A character n-gram model (scikit-learn TF-IDF + logistic regression) is trained on label variants generated from
the canonical labels (numbering styles, brackets, notes, letter spacing, dropped characters, traditional
characters, parents joined or flattened), plus rows from gold-labelled reports, plus negative examples ("extra"
local rows and "header" cells). Classes are `table:row`, `extra` and `header`. Predictions are made from the fitted
arrays with numpy (linear.py): extraction never imports scikit-learn.
"""

from __future__ import annotations

import functools
import hashlib
import os
import random
import re
from pathlib import Path

import numpy as np

from .. import schema
from ..files import replacing
from .linear import FittedModel, LinearTextModel

EXTRA_EXAMPLES = [
    "其他主动公开文件",
    "其他主动公开文件（含以本单位名义正式签发的主动公开文件）",
    "行政确认",
    "行政奖励",
    "行政征收",
    "行政给付",
    "行政检查",
    "行政裁决",
    "其他行政权力",
    "公共服务事项",
    "政务服务事项",
    "部门规范性文件",
    "本级政府规章",
    "政府信息公开指南",
    "政策解读",
    "新闻发布会",
    "重点领域信息",
    "行政复议决定书",
    "备注",
    "合计",
    "小计",
    "政府网站发布信息",
    "政务新媒体发布信息",
    "政府公报",
    "依申请公开件数",
    "政府信息公开专栏",
    "其他对外管理服务事项（2021年起不再统计）",
    "行政事业性收费项目数",
    "信息处理费",
    "收取信息处理费",
]
HEADER_EXAMPLES = [
    "信息内容",
    "本年制发件数",
    "本年废止件数",
    "现行有效件数",
    "本年处理决定数量",
    "本年收费金额（单位：万元）",
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "本年增/减",
    "处理决定数量",
    "采购项目数量",
    "采购总金额",
    "第二十条第（一）项",
    "第二十条第（五）项",
    "第二十条第（六）项",
    "第二十条第（八）项",
    "第二十条第（九）项",
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "其他",
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "行政复议",
    "行政诉讼",
    "结果维持",
    "结果纠正",
    "其他结果",
    "尚未审结",
    "未经复议直接起诉",
    "复议后起诉",
    "序号",
    "项目",
    "单位：件",
    "指标",
    "数量",
]
TRAD = str.maketrans(
    "开计处请数结转办复议诉讼维纠审总业构组织务规范许罚强费采购项门关会权护类执询据为时现废发决认书证",
    "開計處請數結轉辦復議訴訟維糾審總業構組織務規範許罰強費採購項門關會權護類執詢據為時現廢發決認書證",
)
NOTES = [
    "（设区的市、自治州人民政府应提供相关数据）",
    "(指2020年办件量)",
    "（含行政确认等）",
    "(单位:件)",
    "（注1）",
    "（区分处理的，只计这一情形，不计其他情形）",
    "(本单位)",
    "（无）",
]
# characters OCR reads as their look-alikes in scanned row labels (seen on the corpus's scans and the synthetic ones)
OCR_LOOKALIKES = {
    "申": "电車",
    "予": "子于序手",
    "开": "丌丽",
    "秘": "移",
    "复": "夏",
    "处": "外",
    "理": "埋",
    "请": "清",
    "诉": "沂",
    "审": "宙",
    "结": "给",
    "转": "砖",
    "补": "朴",
    "务": "条",
    "费": "贵",
    "类": "粪",
    "总": "怠",
    "法": "注",
    "、": "·丶",
    "（": "(",
    "）": ")",
    "一": "—",
    "三": "二",
}
ARABIC = "123456789"
CN = "一二三四五六七八九"


def canonical_parts(table: str, row: str, template: str) -> list[str]:
    label = schema.row_label(table, row, template)
    return label.split("／")


def _renumber(part: str, rng: random.Random) -> str:
    m = re.match(r"^(\d)\.(.*)$", part)
    if m:
        n, rest = m.groups()
        style = rng.choice(["{n}.", "{n}、", "（{n}）", "({n})", "{n}．", "", "{n}"])
        return style.format(n=n) + rest
    m = re.match(r"^（([一二三四五六七八九])）(.*)$", part)
    if m:
        n, rest = m.groups()
        style = rng.choice(["（{n}）", "({n})", "{n}、", "", "（{n}） "])
        return style.format(n=n) + rest
    m = re.match(r"^([一二三四五六七八九])、(.*)$", part)
    if m:
        n, rest = m.groups()
        style = rng.choice(["{n}、", "（{n}）", "", "{n}."])
        return style.format(n=n) + rest
    return part


def _noise(text: str, rng: random.Random) -> str:
    r = rng.random()
    if r < 0.15 and len(text) > 4:
        i = rng.randrange(len(text))
        text = text[:i] + text[i + 1 :]
    elif r < 0.25:
        text = " ".join(text) if len(text) < 12 else text
    elif r < 0.35:
        text = text.translate(TRAD)
    elif r < 0.45:
        text = text + rng.choice(NOTES)
    elif r < 0.55:
        text = text.replace("（", "(").replace("）", ")")
    elif r < 0.6 and len(text) > 6:
        i = rng.randrange(2, len(text) - 2)
        text = text[:i] + "\n" + text[i:]
    elif r < 0.7:  # read from a scan: a character or two taken for a look-alike
        spots = [i for i, ch in enumerate(text) if ch in OCR_LOOKALIKES]
        for i in rng.sample(spots, k=min(len(spots), rng.choice([1, 1, 2]))):
            text = text[:i] + rng.choice(OCR_LOOKALIKES[text[i]]) + text[i + 1 :]
    return text.replace("\n", "")


def variants(parts: list[str], rng: random.Random, n: int) -> list[str]:
    out = []
    for _ in range(n):
        ps = [_renumber(p, rng) for p in parts]
        k = rng.choice(range(1, len(ps) + 1))
        chosen = ps[-k:]
        if rng.random() < 0.2 and len(ps) > 1:
            chosen = ["三、本年度办理结果"] + chosen if ps[0].startswith("（") else chosen
        joined = rng.choice(["／", "", " "]).join(_noise(p, rng) for p in chosen)
        out.append(joined)
    return out


def training_examples(seed: int = 0, per_row: int = 60, extra_gold: list[tuple[str, str]] | None = None):
    rng = random.Random(seed)
    X, y = [], []
    for table in schema.TABLES:
        for tpl in schema.TEMPLATES:
            for row in schema.row_ids(table, tpl):
                parts = canonical_parts(table, row, tpl)
                for v in variants(parts, rng, per_row):
                    X.append(v)
                    y.append(f"{table}:{row}")
    for text in EXTRA_EXAMPLES:
        for v in variants([text], rng, 8):
            X.append(v)
            y.append("extra")
    for text in HEADER_EXAMPLES:
        for v in variants([text], rng, 6):
            X.append(v)
            y.append("header")
    for text, label in extra_gold or []:
        X.append(text)
        y.append(label)
    return X, y


_NOTE = re.compile(r"（[^（）]{5,}）")


def normalise_label(text: str) -> str:
    """Blanks removed, brackets and colons full-width, and bracketed notes of five or more characters dropped
    (`规范性文件（行政机关制定发布的…）` reads as `规范性文件`)."""
    t = re.sub(r"\s+", "", text)
    t = t.replace("(", "（").replace(")", "）").replace(":", "：").replace(",", "，")
    stripped = _NOTE.sub("", t)
    return stripped if len(stripped) >= 2 else t


class RowLabeler(FittedModel):
    """A fitted label model: `model` (the arrays, applied with numpy) and, where it was trained or loaded from its
    `.joblib` file, the scikit-learn `pipeline` it came from (training metrics, MLflow)."""

    FUNCTIONS = {"normalise_label": normalise_label}
    CACHE_LIMIT = 50_000

    @property
    def classes(self):
        return self.model.classes_

    @classmethod
    def train(cls, X, y, C: float = 10.0, ngram_max: int = 3, seed: int = 0) -> "RowLabeler":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import Pipeline

        pipe = Pipeline(
            [
                (
                    "tfidf",
                    TfidfVectorizer(
                        analyzer="char",
                        ngram_range=(1, ngram_max),
                        preprocessor=normalise_label,
                        sublinear_tf=True,
                        min_df=1,
                    ),
                ),
                ("clf", LogisticRegression(C=C, max_iter=2000, random_state=seed)),
            ]
        )
        pipe.fit(X, y)
        return cls.fitted(pipe)

    def predict(self, texts: list[str]) -> list[tuple[str, float]]:
        """Best class and its probability per text (memoised: the same printed labels recur in report after
        report)."""
        classes = self.classes
        out = []
        for probs in self.probabilities(texts):
            i = int(np.argmax(probs))
            out.append((classes[i], float(probs[i])))
        return out

    def predict_within(self, text: str, allowed: list[str]) -> tuple[str, float]:
        """Best class among `allowed` (e.g. the rows of one table), with its share of their probability
        (memoised: a table's header paths are asked for on every one of its rows)."""
        key = tuple(allowed)
        answers = self.__dict__.setdefault("_answers", {})
        answer = answers.get((text, key))
        if answer is None:
            if len(answers) > 100_000:
                answers.clear()
            answer = answers[(text, key)] = self._predict_within(text, key)
        return answer

    def _predict_within(self, text: str, key: tuple[str, ...]) -> tuple[str, float]:
        probs = self.probabilities([text])[0]
        index = self.__dict__.setdefault("_index", {})
        allowed = key
        idx = index.get(key)
        if idx is None:
            position = {c: k for k, c in enumerate(self.classes)}
            idx = index[key] = [position[a] for a in allowed if a in position]
        classes = self.classes
        if not idx:
            return "extra", 0.0
        sub = probs[idx]
        j = int(np.argmax(sub))
        return classes[idx[j]], float(sub[j] / max(sub.sum(), 1e-9)) * float(min(1.0, sub.sum() * 2))


# ---------------------------------------------------------------- the built-in models, trained once per machine

CACHE_ENV = "GOVREPORT_CACHE"


def cache_dir() -> Path:
    """Where the built-in models are kept: $GOVREPORT_CACHE, else $XDG_CACHE_HOME/govreport, else ~/.cache/govreport."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "govreport"


def _builtin(cls, name: str, examples):
    """A labeler trained on generated variants only, for a checkout without `models/`. Training takes seconds, so
    the fitted arrays are kept in the cache folder, keyed by the code and the schema that determine them: the first
    command on a machine trains (`scripts/setup.sh` does it once), every later one loads."""
    h = hashlib.sha256()
    for f in (Path(__file__), Path(__file__).with_name("linear.py"), schema.RESOURCES / "fields.json"):
        h.update(f.read_bytes())
    path = cache_dir() / f"builtin-{name}-{h.hexdigest()[:16]}.npz"
    if path.exists():
        try:
            return cls(LinearTextModel.load(path, cls.FUNCTIONS))
        except (OSError, ValueError, KeyError):
            pass  # damaged: trained again below and replaced
    model = cls.train(*examples())
    try:
        with replacing(path) as tmp:
            model.model.save(tmp)
    except OSError:  # a read-only home: the model is used from memory, trained again by the next command
        pass
    return model


@functools.lru_cache(maxsize=1)
def default_labeler() -> RowLabeler:
    """The row labeler trained on generated variants only; used when no trained model file is given."""
    return _builtin(RowLabeler, "row_labeler", training_examples)


# ---------------------------------------------------------------- column headers

HEADER_NOTES = ["（单位：件）", "(件)", "（个）", "（单位：万元）", "(万元)", "（项）", "（含下属单位）"]
LABEL_COLUMN_HEADERS = [
    "信息内容",
    "项目",
    "序号",
    "内容",
    "指标",
    "类别",
    "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
    "申请人情况",
    "备注",
    "说明",
    "单位：件",
    "小计",
    "法人或其他组织小计",
    "法人或其他组织／小计",
    "其中：法人",
    "第二十条第（一）项",
    "第二十条第（五）项",
]
COLUMN_WORDING = {  # wordings publishers print instead of the template's, per canonical column
    "active_disclosure:new_made": ["本年新制作数量", "本年度新制作数量", "新制作数量"],
    "active_disclosure:new_published": ["本年新公开数量", "本年度新公开数量", "新公开数量"],
    "active_disclosure:total_published": ["对外公开总数量", "对外公开总量", "公开总数量"],
    "active_disclosure:prev_items": ["上一年项目数量", "上年项目数量", "上一年项目数"],
    "active_disclosure:change": ["本年增/减", "本年增减", "本年增／减", "增/减"],
    "active_disclosure:decisions": ["处理决定数量", "本年处理决定数量", "本年度处理决定数量"],
    "active_disclosure:items": ["采购项目数量", "政府集中采购项目数量"],
    "active_disclosure:issued": ["本年制发件数", "本年度制发件数", "制发件数"],
    "active_disclosure:repealed": ["本年废止件数", "本年度废止件数", "废止件数"],
    "active_disclosure:in_force": ["现行有效件数", "现行有效数", "有效件数"],
    "active_disclosure:amount_wan": [
        "采购总金额（万元）",
        "本年收费金额（单位：万元）",
        "收费金额（万元）",
        "本年收费金额",
    ],
}


def column_classes() -> dict[str, list[str]]:
    """Each canonical column as `table:column` (table 4: `review_litigation:row.column`, its columns being the
    row groups of the official layout) with the header path the template prints above it."""
    out: dict[str, list[str]] = {}
    f = schema.fields()["tables"]
    for tpl in schema.TEMPLATES:
        for col, label in f["active_disclosure"]["templates"][tpl]["columns"].items():
            out.setdefault(f"active_disclosure:{col}", [label])
    for col, label in f["requests"]["columns"].items():
        out[f"requests:{col}"] = ["申请人情况／" + label, label]
    for row, spec in f["review_litigation"]["rows"].items():
        for col, label in f["review_litigation"]["columns"].items():
            out[f"review_litigation:{row}.{col}"] = [spec["label"] + "／" + label]
    return out


def column_training_examples(seed: int = 0, per_column: int = 40):
    rng = random.Random(seed)
    X, y = [], []
    for cls, paths in column_classes().items():
        wordings = COLUMN_WORDING.get(cls, [])
        for _ in range(per_column):
            path = rng.choice(paths).split("／")
            if wordings and rng.random() < 0.5:
                path = path[:-1] + [rng.choice(wordings)]
            if rng.random() < 0.2:
                path[-1] += rng.choice(HEADER_NOTES)
            keep = path if len(path) == 1 or rng.random() < 0.7 else path[-2:]
            X.append(rng.choice(["／", "", " "]).join(_noise(p, rng) for p in keep))
            y.append(cls)
    for text in LABEL_COLUMN_HEADERS:
        for _ in range(8):
            X.append(_noise(text, rng))
            y.append("none")
    return X, y


class ColumnLabeler(RowLabeler):
    """A column's header path (the header cells stacked above it, merged parents first) to `table:column`, or
    "none" for headers that are not a canonical column. The same character n-gram model as the row labeler."""


@functools.lru_cache(maxsize=1)
def default_column_labeler() -> ColumnLabeler:
    """The column labeler trained on generated header variants, when no model file is given (cached as above)."""
    return _builtin(ColumnLabeler, "column_labeler", column_training_examples)
