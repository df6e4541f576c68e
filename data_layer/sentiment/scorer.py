"""The rule scorer: lexicon words with negation, degree and aspect, then clause weights (turn words, concession,
past time, requests, questions), sarcasm and balance, into a label, a score, a confidence and the evidence.

How a comment is read (tests/data/sentiment/LABELLING.md is the guide the rules follow):
1. Normalise (full width, traditional → simplified), split into clauses and sentences, segment with jieba; a token
   jieba merged (太脏, 及时处理) is split back into lexicon words when it is made of them.
2. Each clause sums its evaluative words. A negator flips praise (不方便 → negative) but only cancels a
   complaint (没遇到困难 → almost nothing), unless it credits someone or marks a change (从没拖过, 不再卡顿 →
   positive). Degree words scale (很, 太, 有点). Scalar words (高, 多, 涨, 缩短) take their sign from the aspect
   they describe (租金高 is bad, 效率高 good). Patterns catch what single words miss: waiting (等了三天),
   speed (两天就办好了), repeated trips, things that do not work (登不上, 打不开), nobody acting (没人管).
3. Clauses are weighted: from a turn word (但, 不过, 就是, 可惜 …) on ×2, before it ×0.5; a 虽然 clause ×0.4; a
   clause in the past followed by the present ×0.35. In a sentence that asks for something, praise does not
   count (希望尽快解决 is not praise) and complaints count ×0.7; plain questions are damped, rhetorical ones
   (凭什么) complain; a thanks that is only a polite formula does not count.
4. Praise next to a complaint with a sarcasm marker (呵呵, 好一个, quoted praise) is ironic and counts against.
   Praise and complaint of about equal weight with no turn word are neutral (有的好吃，有的一般).
5. |total| below the threshold is neutral; the confidence grows with the distance from it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

from data_layer.sentiment.lexicon import Lexicon, load
from data_layer.sentiment.text import clauses, normalize, tokens

PRESENT_WEIGHT = 1.5
THRESHOLD = 0.4  # |total| at or above this is positive / negative
TURN_WEIGHT, BEFORE_TURN_WEIGHT, CONCESSIVE_WEIGHT, PAST_WEIGHT, FACT_WEIGHT = 2.0, 0.5, 0.4, 0.35, 0.3
REQUEST_POSITIVE, REQUEST_NEGATIVE, REQUEST_TOPIC = 0.0, 0.7, 0.2
QUESTION_POSITIVE, QUESTION_NEGATIVE = 0.2, 0.5
NEGATION_WINDOW, DEGREE_WINDOW = 4, 3
SCALAR_PLAIN, SCALAR_STRONG = 0.6, 0.9  # a scalar word's weight without and with a degree word
# Evidence entries that name a rule that fired rather than quote the comment. They are stored as written here
# and translated when shown (ui/observation_charts.EVIDENCE_MARKERS must list them).
TURN_MARKER, SARCASM_MARKER = "转折", "反语"

# Negators whose denial of a complaint credits someone or marks a change: 从没拖过, 不再卡顿.
_CREDIT_NEGATORS = frozenset({"从不", "从没", "从来不", "从来没", "从来没有", "从未", "不再", "再也不", "没再", "再也没",
                               "再也没有", "再没"})
_RELIEF_NEGATORS = frozenset({"不用", "不必", "无需", "无须", "甭"})
_WEAK_NEGATORS = frozenset({"不太", "不怎么", "不算", "不大", "不够", "没什么", "没啥"})
_EMPHATIC_NEGATORS = frozenset({"一点也不", "一点都不", "一点儿也不", "一点没", "一点也没", "毫无", "绝不", "决不"})
# After these a complaint word is what was fixed (抢修漏水, 缓解了压力): the verb's own value counts instead.
_RELIEF_VERBS = frozenset({"解决", "解决了", "缓解", "减轻", "消除", "排除", "解除", "化解", "避免", "扛过", "告别",
                           "改善", "整改", "治理", "处理", "抢修", "维修", "修好", "修复", "清理", "疏通", "协调"})
# A negation does not reach past these (没两天又坏了 is not "not broken").
_SCOPE_BREAKERS = frozenset({"又", "就", "才", "却", "但", "但是", "还是", "结果", "可是", "不过"})
# Complaint nouns that in a request are only its topic (建议增设垃圾分类点, 希望解决停车问题).
_TOPIC_NOUNS = frozenset({"问题", "噪音", "噪声", "杂物", "投诉", "隐患", "困难", "压力", "排队", "停电", "停水", "漏水",
                          "故障", "毛病", "缺陷", "漏洞", "堵车", "拥堵"})
# Problems a relief verb can fix (处理问题, 缓解压力); an adjective after it is still a complaint (处理极其敷衍).
_PROBLEM_NOUNS = _TOPIC_NOUNS | frozenset({"损失", "负担", "难题", "麻烦", "烦恼", "渗水", "异味", "老化", "拥挤", "担心",
                                           "困扰", "燃眉之急"})
_EVENT_NOUNS = frozenset({"停电", "停水", "断电", "断网", "施工", "噪音", "检修"})
_CREDIT_AFTER = re.compile(r"^(?:让|使|叫)")
_ASKED = frozenset({"您", "你", "你们", "物业", "前台", "帮", "帮忙", "各位", "尽快", "大家", "管理处", "师傅", "一下"})
_BARE_NO = frozenset({"没有", "无", "没", "暂无", "没了", "没有了", "无意见", "没意见", "没有意见"})
_FILLER = frozenset({"了", "的", "啊", "呀", "啦", "吧", "哦", "哈", "您", "你们", "先", "嘛", "!", "~", "各位", "大家",
                     "呢", "哈哈"})
_POLITE = frozenset({"关心", "关注", "支持", "配合", "理解", "大家", "你们", "您", "各位", "工作"})
_PARTICLES = "了的啊呀啦吧呢嘛哦哈得过"
_FUNCTION_CHARS = frozenset("能会都也就还得要可")
_STRONG_QUESTION = frozenset({"怎么", "如何", "哪里", "哪儿", "哪些", "哪个", "什么时候", "何时", "多少", "几点", "多久",
                              "是否", "有没有", "是不是", "能不能", "会不会", "要不要", "可不可以", "能否", "可否",
                              "请问", "怎样", "怎么样", "有无", "多长"})
_FINAL_PARTICLES = frozenset({"吗", "么", "呢"})
_PRESENT = frozenset({"现在", "如今", "目前", "后来", "这次", "今年", "最近", "近来", "眼下"})
_CANNOT_PREFIXES = ("不了", "不好", "不到", "不上", "不成", "不完", "不动", "不来", "不清", "不起来")
_BETTER_AFTER = frozenset({"多了", "了很多", "了不少", "很多", "得多", "许多"})
# Words a negation reaches over (没遇到什么特别的问题): they do not use up its window.
_THIN = frozenset({"的", "什么", "任何", "特别", "太", "很", "啥", "过", "到", "一点", "一些", "遇到", "碰到", "发现", "感到"})
_AFTERWARDS = frozenset({"后", "以后", "之后", "过后"})
_MODAL_BEFORE = frozenset({"将", "将会", "打算", "准备", "计划"})
# Verbs that make a following complaint word the topic of a report (我们提出的噪音问题), not a complaint.
_REPORTING = frozenset({"提出", "反映", "反馈", "报", "提", "上报", "报告", "咨询"})
# Words that are praise at the end of a clause (这里的服务很实在 "down to earth") but an adverb before more words
# (问题实在太多 "really too many", 实在没办法): then they only modify what follows.
_ADVERB_OR_PRAISE = frozenset({"实在"})
_PRAISE_AFTER = frozenset({"的", "人", "啊", "呀", "了", "!", "~"})
# 负责 after these is a verb (总部在负责), not praise; 解决 after 靠 is "get by" (午餐靠餐馆解决).
_VERB_CONTEXT = {"负责": frozenset({"在", "由", "来", "专门", "谁", "是"}), "解决": frozenset({"靠", "自己", "自行"})}

_NUM = r"(?:[0-9]+|[一二两三四五六七八九十百千几半]+|好几|十几|几十|二十几)"
_UNIT = r"(?:个)?(?:多)?(?:分钟|小时|钟头|天|日|周|星期|礼拜|个月|月|年|季度)"
_DUR = rf"(?:{_NUM}{_UNIT}|很久|好久|半天|大半天|老半天|一上午|一下午|一整天|一晚上|大半年|半年|好几个月)"
_CANT_VERBS = "登挤抢找够打连约停办修开用吃睡看听进出拿买租交批排刷坐赶等认搞弄报招留住收送取跟跑走算合调关借订决落"
_PATTERNS: tuple[tuple[re.Pattern[str], float, str], ...] = tuple(
    (re.compile(pattern), weight, name) for pattern, weight, name in (
        # quick: a duration followed by 就 (两天就办好了), or 当天就
        (rf"{_DUR}(?:内|之内|以内)?(?:就|便|即)(?!关|下班|没|不|要|得)", 0.9, "quick"),
        (r"(?:当天|当场|当晚|第二天|次日|隔天|马上|立刻|立马|很快)(?:就|便)", 0.9, "quick"),
        (r"一(?:次|趟)(?:就|便)(?:过|办|通过|搞定|办好|办完|解决)", 0.9, "quick"),
        # slow: waiting or chasing for a duration, a duration that still sees nothing, trips
        (rf"(?:等|排|排队|拖|跑|耗|折腾|搞|弄|站|修|办|盖|批|审|催|叫号|卡|提交|申请|反映|封|停|关)(?:了|要|得|上)?"
         r"(?:我们|他们|企业|人家)?"
         rf"(?:整整|足足|快|近|将近|差不多|都)?{_DUR}", -0.9, "slow"),
        (rf"{_DUR}(?:多)?(?:了)?(?:都|还|才|也)(?!能|可以|好|不错)", -0.8, "slow"),
        (rf"都{_DUR}了", -0.7, "slow"),
        (r"(?<![少免省])(?:跑|去|来回|折腾|打|问|交|改|催|报|提|说|讲|填)(?:了)?(?:[二两三四五六七八九十]|好几|十几|几)(?:趟|次|遍|回)",
         -0.8, "trips"),
        (r"(?:排|等|拖)(?:到|了)(?:明年|下个月|年底|下周|猴年马月|现在|今天)", -0.9, "slow"),
        (r"(?:拖|推)到(?:现在|今天|年底|下个月)", -0.8, "slow"),
        (r"(?:等|排队|排)(?:了|得|要)?(?:很|好|太|特别|非常)?久", -0.9, "slow"),
        (r"(?:要|得|还得|还要)(?:等|排队)", -0.5, "wait"),
        (r"一(?:等|拖|排)就是", -0.9, "slow"),
        (rf"{_DUR}起步", -0.6, "slow"),
        (r"(?:不用|不必|无需|不再|再也不用|再也不|免得|省得)(?:再)?(?:等|排队|排|抢|跑|爬|走|淋)", 0.9, "relief"),
        # cannot: 登不上, 打不开, 找不到, 住不起 (but 开不开 is a question)
        (rf"([{_CANT_VERBS}])不(?!\1)(?:了|上|到|着|动|进|出|开|完|起|好|通|下|清楚|清|来)", -0.8, "cannot"),
        (r"(?:没|无)(?:法|办法)", -0.6, "cannot"),
        (r"没(?:有)?人(?:管|理|修|来|处理|负责|回|接|清理|应|问|跟进)?", -1.0, "nobody"),
        # again, still, always
        (r"又(?:坏|停|断|漏|堵|卡|掉|丢|出问题|出故障|涨|贵|慢|没)", -0.6, "again"),
        (r"(?:一直|始终|至今|还是|仍然|依然|迟迟|到现在)(?:都|也|还)?(?:没|未|不)", -0.7, "still"),
        (r"(?:经常|老是|总是|动不动|三天两头|隔三差五|时不时|每次都)(?:就|都)?(?:坏|断|停|卡|掉|丢|出错|出问题|没|误报|故障|崩"
         r"|失灵|漏|送错|搞混)", -0.6, "often"),
        (r"只能|只好|不得不(?!说)", -0.5, "forced"),
        (r"(?:一点|什么|啥)(?:用|作用|效果|帮助|意义)(?:都|也)没", -1.0, "useless"),
        (r"一(?:个字|句话|点消息|个电话|个回复|点反馈|点动静)(?:都|也)没", -1.0, "silence"),
        (r"越(.)越(?:严|难|贵|慢|少|差|乱|烂|麻烦|复杂|离谱|糟)", -0.8, "worse"),
        (r"连.{1,8}(?:都|也)没(?:有)?", -0.9, "lacking"),
        (r"连.{1,8}都要(?:收费|交钱|钱|审批|排队|登记|预约|付费)", -0.8, "petty"),
        (r"底都没|底也没", -1.0, "unsure"),
        (r"一只手(?:都|就)数得过来", -1.0, "few"),
        (r"(?:够|可以|能)(?:我|我们)?(?:喝|泡)(?:上)?(?:一|两|三|几)?(?:杯|壶)?(?:茶|咖啡)", -1.0, "slow"),
        (rf"(?:晚|推迟|延迟|延误|迟)了{_DUR}", -0.9, "late"),
        (r"问(?:了)?(?:好几|几|[二两三四五六七八九十])个(?:人|部门|窗口)", -0.8, "trips"),
        (r"(?:很久|好久|半年|一年|几个月|好几个月)(?:都|也)?没(?:有)?(?:换|修|清洗|打扫|检修|维护|更新|保养|人管)", -0.8,
         "neglect"),
        (r"(?:和|跟|与).{1,10}不一样", -0.5, "mismatch"),
        (r"没有一(?:个|家|项|条)?(?:人)?(?:符合|能|合格|满足|申请上|达标)", -0.9, "excluded"),
        (r"(?:还)?不如(?:以前|之前|原来|过去|去年|从前|家里|隔壁|别的)", -0.8, "worse"),
        (r"(?:才知道|才发现|才晓得)", -0.5, "surprised"),
        (r"(?:什么|啥)都没(?:变|改|做|解决|落实|办成|干)", -0.9, "nothing"),
        (r"一(.)再\1", -0.9, "again"),
        (r"(?:跟|和|等于)没.{1,3}(?:一样|似的)|等于白", -1.0, "useless"),
        (r"(?:几乎|基本|根本|压根)(?:没有|没)$", -0.7, "missing"),
        (r"(?:经常|总是|老是|十次有九次|常常)(?:都)?不在", -0.8, "absent"),
        (rf"(?:要|得|花了?|耗了?)(?:研究|准备|折腾|等|排|填)?{_DUR}", -0.6, "slow"),
        (r"被.{0,5}(?:占|堵|挡)", -0.8, "blocked"),
        (rf"(?<!离)(?<!离这)只有{_NUM}", -0.35, "only"),
        (r"(?:已经?|已)到账|到账(?:了|啦)", 0.0, "arrived"),
    )
)
# Patterns that run across clauses, matched on the whole comment.
_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], float, str], ...] = tuple(
    (re.compile(pattern), weight, name) for pattern, weight, name in (
        (r"(?:说是|号称|宣传|承诺|说好|口口声声).{1,15}(?:其实|实际上|结果|却|根本|才知道|才发现|发现|一看)", -0.8,
         "promise"),
        (r"说好(?:的)?.{0,14}(?:结果|却|到现在|至今|还没|还是|都没|也没)", -0.8, "promise"),
    )
)
# Sarcasm constructions (weights add to the sarcasm markers of cues.txt).
_SARCASM_PATTERNS: tuple[tuple[re.Pattern[str], float], ...] = tuple(
    (re.compile(p), w) for p, w in (
        (r"真是.{1,4}得很", 1.0),
        (r"享受.{0,6}(?:停水|停电|排队|噪音|堵车|桑拿|惊喜|待遇)", 1.0),
        (r"所谓的?[\"“「『]", 1.0),
        (r"真是好.{1,4}[啊呀]", 0.6),
        (r"(?:真|可真|真是)(?:到位|贴心|周到|高效|方便|人性化|不错|好|棒|厉害|行|智能|快)[啊呀呢]", 0.8),
    )
)
# Praise and complaint side by side on purpose: neutral (matched on the whole comment).
_BALANCED = re.compile(r"有的.{1,10}有的|有时(?:候)?.{1,12}有时(?:候)?|时好时坏|有好有坏|有利有弊|喜忧参半|好坏参半|各有利弊"
                       r"|.{1,4}快.{0,3}[，,].{1,4}慢|白天.{1,6}晚上")
_QUOTED = re.compile(r"[\"“「『‘']([^\"“”「」『』‘’']{1,10})[\"”」』’']")
_IRONIC_QUOTED = ("人性化", "高效", "智慧", "智能", "周到", "贴心", "高", "快", "好", "一站式", "便民")


@dataclass(frozen=True)
class SentimentResult:
    """One comment's sentiment. `evidence` lists the words that decided it (for reviewers, not for code)."""

    label: str  # positive | neutral | negative
    score: float  # -1 … 1
    confidence: float  # 0 … 1
    evidence: str
    model: str = ""  # the version of the model that labelled it ("lexicon": the rule scorer alone)


@dataclass
class _Clause:
    text: str
    tokens: list[str]
    question_mark: bool
    sentence: int
    items: list[tuple[str, float]] = field(default_factory=list)  # (evidence, value)
    positions: list[int] = field(default_factory=list)  # token index of each word item
    is_request: bool = False
    is_question: bool = False
    rhetorical: float = 0.0
    rhetorical_word: str = ""
    turn: bool = False
    turn_lean: float = 0.0
    concessive: bool = False
    past: bool = False
    fact: bool = False
    no_opinion: bool = False
    thanks_only: bool = False
    improvement: float = 0.0
    weight: float = 1.0


def score_text(text: str, lex: Lexicon | None = None) -> SentimentResult:
    lex = lex or load()
    norm = normalize(text)
    parts = _parts(norm, lex)
    if not parts:
        return SentimentResult("neutral", 0.0, 0.5, "")
    for part in parts:
        _mark_clause(part, lex)
        _score_clause(part, lex)
    _spread_requests(parts)
    _weigh_clauses(parts, lex)
    return _decide(norm, parts, lex)


def _parts(norm: str, lex: Lexicon) -> list[_Clause]:
    parts, sentence = [], 0
    for clause, question, ends_sentence in clauses(norm):
        parts.append(_Clause(clause, _expand(tokens(clause), lex), question, sentence))
        sentence += int(ends_sentence)
    return parts


# ---------------------------------------------------------------------------------------------------- tokens


@lru_cache(maxsize=1)
def _known(lex: Lexicon) -> frozenset[str]:
    words = set(lex.positive) | set(lex.negative) | set(lex.expect) | set(lex.negators) | set(lex.degree_pre)
    words |= set(lex.aspect_of) | set(lex.scalar_up) | set(lex.scalar_down) | set(lex.cues["final_only"])
    for section in lex.dimensions.values():
        words |= set(section)
    return frozenset(words)


@lru_cache(maxsize=1)
def _unsplittable(lex: Lexicon) -> frozenset[str]:
    words = set(lex.not_negators) | set(_STRONG_QUESTION)
    for section in lex.cues.values():
        words |= {w.lstrip("^") for w in section}
    return frozenset(words)


def _is_value_word(word: str, lex: Lexicon) -> bool:
    return (lex.polar(word) is not None or word in lex.expect or word in lex.scalar_up or word in lex.scalar_down
            or word in lex.cues["final_only"])


def _expand(toks: list[str], lex: Lexicon) -> list[str]:
    """Split tokens jieba merged (太脏, 及时处理, 能省, 讲清楚) back into lexicon words, and drop punctuation."""
    out: list[str] = []
    for i, tok in enumerate(toks):
        if not tok.strip() or tok in "，,、：:\"“”'‘’「」『』()（）":
            continue
        if tok == "得很" and i + 1 < len(toks) and _is_value_word(toks[i + 1], lex):
            out.append("很")  # 考虑得很周到: here 得很 is 很 before the word
            continue
        if tok in lex.degree_post and (not out or not _is_value_word(out[-1], lex)):
            out.extend(_split_token(tok, lex, post=False))
            continue
        out.extend(_split_token(tok, lex))
    return out


def _split_token(tok: str, lex: Lexicon, post: bool = True) -> list[str]:
    return list(_split_cached(tok, lex, post))


@lru_cache(maxsize=65536)
def _split_cached(tok: str, lex: Lexicon, post: bool) -> tuple[str, ...]:
    return tuple(_split_uncached(tok, lex, post))


def _split_uncached(tok: str, lex: Lexicon, post: bool) -> list[str]:
    known = _known(lex)
    if len(tok) < 2 or (post and (tok in known or tok in lex.degree_post)) or tok in _unsplittable(lex):
        return [tok]
    core, tail = tok, list[str]()
    while len(core) > 1 and core[-1] in _PARTICLES:
        tail.insert(0, core[-1])
        core = core[:-1]
    if tail and _is_value_word(core, lex):
        return [core, *tail]  # 涨得, 多了 (after no evaluative word, 多了 is 多 + 了, not "much more")
    for pieces in (_forward(core, known), _backward(core, known)):
        if len(pieces) > 1 and _acceptable(pieces, known, lex):
            return pieces + tail
    return [tok]


def _forward(core: str, known: frozenset[str]) -> list[str]:
    pieces: list[str] = []
    i = 0
    while i < len(core):
        size = next((n for n in range(min(6, len(core) - i), 1, -1) if core[i:i + n] in known), 1)
        pieces.append(core[i:i + size])
        i += size
    return pieces


def _backward(core: str, known: frozenset[str]) -> list[str]:
    pieces: list[str] = []
    end = len(core)
    while end > 0:
        size = next((n for n in range(min(6, end), 1, -1) if core[end - n:end] in known), 1)
        pieces.insert(0, core[end - size:end])
        end -= size
    return pieces


def _acceptable(pieces: list[str], known: frozenset[str], lex: Lexicon) -> bool:
    """All pieces are lexicon words; or an evaluative word with only known words after it and, before it, known
    words, function characters (能省) or single characters before a longer word (讲清楚)."""
    valued = [k for k, p in enumerate(pieces) if _is_value_word(p, lex)]
    if not valued:
        return all(p in known for p in pieces)
    first = valued[0]
    before_ok = all(p in known or p in _FUNCTION_CHARS or (len(pieces[first]) > 1 and len(p) == 1)
                    for p in pieces[:first])
    return before_ok and all(p in known for p in pieces[first + 1:])


# ---------------------------------------------------------------------------------------------------- clauses


@lru_cache(maxsize=1)
def _cue_patterns(lex: Lexicon) -> dict[str, re.Pattern[str]]:
    """One regular expression per cue section (longest words first), so a clause is scanned once per section."""
    def alternation(words: list[str]) -> str:
        return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))

    patterns = {name: re.compile(alternation(list(lex.cues[name])))
                for name in ("rhetorical", "turn_positive", "turn_negative", "neutral_fact", "sarcasm")}
    anywhere = [w for w in lex.cues["no_opinion"] if not w.startswith("^")]
    at_start = [w[1:] for w in lex.cues["no_opinion"] if w.startswith("^")]
    patterns["no_opinion"] = re.compile(f"{alternation(anywhere)}|^.{{0,3}}(?:{alternation(at_start)})")
    return patterns


def _found(pattern: re.Pattern[str], text: str, weights: dict[str, float]) -> list[tuple[str, float]]:
    return [(m.group(), weights[m.group()]) for m in pattern.finditer(text)]


def _mark_clause(part: _Clause, lex: Lexicon) -> None:
    cues, toks, text = lex.cues, part.tokens, part.text
    patterns = _cue_patterns(lex)
    part.is_request = any(_is_request_token(toks, i, lex) for i in range(len(toks)))
    rhetorical = _found(patterns["rhetorical"], text, cues["rhetorical"])
    part.rhetorical = max((w for _, w in rhetorical), default=0.0)
    part.rhetorical_word = rhetorical[0][0] if rhetorical else ""
    strong = any(t in _STRONG_QUESTION and not _negated_before(toks, i) and "知道" not in "".join(toks[:i])
                 for i, t in enumerate(toks))
    part.is_question = part.question_mark or strong or (bool(toks) and toks[-1] in _FINAL_PARTICLES)
    part.turn = any(t in cues["turn"] and (t not in {"就是", "只是", "结果"} or i == 0) for i, t in enumerate(toks))
    lean = sum(w for _, w in _found(patterns["turn_positive"], text, cues["turn_positive"]))
    lean -= sum(w for _, w in _found(patterns["turn_negative"], text, cues["turn_negative"]))
    if lean:
        part.turn, part.turn_lean = True, lean
    part.concessive = any(t in cues["concessive"] for t in toks[:3])
    part.past = any(t in cues["past"] and not (i and toks[i - 1] in {"比", "没有", "不如", "跟", "和", "像"})
                    for i, t in enumerate(toks[:4]))
    part.fact = bool(patterns["neutral_fact"].search(text)) or (
        "通知" in text and any(t in _EVENT_NOUNS for t in toks))
    part.no_opinion = text in _BARE_NO or bool(patterns["no_opinion"].search(text))
    part.thanks_only = any(t in cues["thanks"] for t in toks) and all(
        t in cues["thanks"] or t in _FILLER or t in _POLITE for t in toks)
    part.improvement = sum(w for word, w in cues["improvement"].items() if w and word in toks)


def _is_request_token(toks: list[str], i: int, lex: Lexicon) -> bool:
    token = toks[i]
    if token not in lex.cues["request"]:
        return False
    if token == "麻烦":  # a request at the clause start (麻烦物业…) or before whom it asks; else an adjective (很麻烦)
        return i == 0 or (i + 1 < len(toks) and toks[i + 1] in _ASKED)
    if token == "请":
        return i + 1 < len(toks)
    if i and toks[i - 1] in {"的", "些", "个", "条", "好", "中肯"}:
        return False  # 银行给的建议很中肯: a noun, not a request
    return True


def _negated_before(toks: list[str], i: int) -> bool:
    return i > 0 and toks[i - 1] in {"没", "没有", "不", "没什么", "不知道", "知道"}


@dataclass
class _Walk:
    """What the walk over a clause's tokens carries from one token to the next."""

    negator: tuple[str, int] | None = None  # the pending negator and its position
    degree: float = 1.0
    degree_at: int = -10
    relief_at: int = -10
    last_scalar_at: int = -10
    aspect: str | None = None
    skip_to: int = -1
    aspect_item: int | None = None  # the item of a polar aspect noun (压力), replaced by its scalar (压力小)


def _score_clause(part: _Clause, lex: Lexicon) -> None:
    """Sum the clause's evaluative words with negation, degree and aspect, then its patterns. Each token is read in
    named steps: the aspect it names, whether it is skipped, whether it modifies what follows (negator, degree,
    relief verb, post-degree), its own value, and that value in context (degree, negation, relief, intention)."""
    walk = _Walk()
    for i, tok in enumerate(part.tokens):
        _track_aspect(walk, part.tokens, i, lex)
        if i <= walk.skip_to or _skipped(tok, i, lex) or _take_modifier(walk, part, i, lex):
            continue
        value = _own_value(walk, part, i, lex)
        if value is None:
            continue
        item = _in_context(walk, part.tokens, i, value, lex)
        if item is not None:
            _add_item(walk, part, i, item, lex)
    _post_negation(part, lex)
    _add_patterns(part)


def _track_aspect(walk: _Walk, toks: list[str], i: int, lex: Lexicon) -> None:
    found = _aspect(toks[i], toks[i - 1] if i else "", lex)
    if found:
        walk.aspect, walk.aspect_item = found, None


def _skipped(tok: str, i: int, lex: Lexicon) -> bool:
    """A neutral marker opening the clause, or a word that only looks like a negator (不得不, 没想到)."""
    return (tok in lex.cues["neutral_mark"] and i == 0) or (tok in lex.not_negators and lex.polar(tok) is None)


def _take_modifier(walk: _Walk, part: _Clause, i: int, lex: Lexicon) -> bool:
    """Negators, degree words and relief verbs change what follows; a post-degree word (多了, 得很) the item
    before. Returns True when the token was only a modifier."""
    toks, tok = part.tokens, part.tokens[i]
    if (tok in _SCOPE_BREAKERS and not _is_value_word(tok, lex)) or re.match(_NUM, tok):
        walk.negator = None
    if tok in lex.negators and _has_target(toks, i, lex):
        walk.negator = (tok, i)
        return True
    if tok in lex.degree_pre and _has_target(toks, i, lex, DEGREE_WINDOW):
        walk.degree = (min(walk.degree * lex.degree_pre[tok], 3.0) if i - walk.degree_at <= 2
                       else lex.degree_pre[tok])
        walk.degree_at = i
        return True
    if tok in _RELIEF_VERBS:
        walk.relief_at = i
    if tok in lex.degree_post and part.positions and i - part.positions[-1] <= 2:
        word, value = part.items[-1]
        part.items[-1] = (word + tok, value * lex.degree_post[tok])
        return True
    return False


def _own_value(walk: _Walk, part: _Clause, i: int, lex: Lexicon) -> float | None:
    """The token's value before its context, or None (a change for the better, 清新多了, is added here)."""
    toks, tok = part.tokens, part.tokens[i]
    near = walk.aspect or (_aspect_after(toks, i, lex) if tok in lex.scalar_up or tok in lex.scalar_down else None)
    value = _word_value(tok, toks, i, lex, near, walk.last_scalar_at, walk.degree_at)
    if value is None:
        if tok in _BETTER_AFTER and i and _unknown_adjective(toks[i - 1], lex):
            part.items.append((toks[i - 1] + tok, 0.5))
            part.positions.append(i)
        return None
    if value > 0 and "".join(toks[i + 1:i + 3]).startswith(_CANNOT_PREFIXES):
        value, walk.skip_to = -value * 0.9, i + 2  # 解决不了: the praise word is what cannot happen
    if tok in lex.scalar_up or tok in lex.scalar_down:
        walk.last_scalar_at = i
    return value


def _in_context(walk: _Walk, toks: list[str], i: int, value: float, lex: Lexicon) -> tuple[str, float] | None:
    """The value with the degree and negation before it, a relief verb, an intention or a report; None for an
    expected thing that is present (有回音 is not praise)."""
    tok = toks[i]
    is_expect = tok in lex.expect and lex.polar(tok) is None
    is_scalar = lex.polar(tok) is None and (tok in lex.scalar_up or tok in lex.scalar_down)
    word = tok
    if i - walk.degree_at <= DEGREE_WINDOW:
        value *= walk.degree
        word = "".join(toks[walk.degree_at:i + 1])
    walk.degree, walk.degree_at = 1.0, -10
    negator = walk.negator
    if negator and _distance(toks, negator[1], i) <= NEGATION_WINDOW:
        value = -value * 0.7 if is_scalar else _negate(negator[0], value, is_expect, toks, negator[1], i)
        word = "".join(toks[negator[1]:i + 1])
        walk.negator = None
    elif is_expect:
        return None  # expected things only count when missing
    elif value < 0 and 0 <= i - walk.relief_at <= 4 and tok in _PROBLEM_NOUNS:
        value, word = 0.0, "".join(toks[walk.relief_at:i + 1])  # 缓解了压力: the relief verb already counted
    elif value > 0 and any(t in _MODAL_BEFORE for t in toks[max(0, i - 2):i]):
        value *= 0.3  # 计划…: an intention, not praise
    elif value < 0 and tok in _PROBLEM_NOUNS and any(t in _REPORTING for t in toks[:i]):
        value *= 0.2  # 我们提出的噪音问题: the topic of a report
    return word, value


def _add_item(walk: _Walk, part: _Clause, i: int, item: tuple[str, float], lex: Lexicon) -> None:
    """Record the word's value; a scalar replaces the polar aspect noun it describes (压力 → 压力小)."""
    tok = part.tokens[i]
    is_scalar = lex.polar(tok) is None and (tok in lex.scalar_up or tok in lex.scalar_down)
    if is_scalar and walk.aspect_item is not None and walk.aspect_item < len(part.items):
        del part.items[walk.aspect_item], part.positions[walk.aspect_item]
        walk.aspect_item = None
    if item[1]:
        part.items.append(item)
        part.positions.append(i)
        if part.tokens[i] in lex.aspect_of:
            walk.aspect_item = len(part.items) - 1


def _add_patterns(part: _Clause) -> None:
    """Patterns over the clause's text (waiting, speed, trips, things that do not work …), a rhetorical question,
    and an improvement marker (终于)."""
    for pattern, weight, name in _PATTERNS:
        for match in pattern.finditer(part.text):
            part.items.append((match.group(), 0.8 if name == "arrived" else weight))
    if part.rhetorical:
        part.items.append(("?" + part.rhetorical_word, -part.rhetorical))
    if part.improvement:
        part.items.append(("终于", part.improvement))


def _post_negation(part: _Clause, lex: Lexicon) -> None:
    """A clause ending in 没有 / 不大 negates what it described (信号基本没有, 作用不大, 问题不大)."""
    toks = [t for t in part.tokens if t not in _FILLER]
    if len(toks) < 2 or toks[-1] not in {"没有", "没", "没了", "不大", "不多", "不够", "不行", "不高", "不好"}:
        return
    if toks[-1] in {"没有", "没", "没了"}:
        expected = [t for t in toks[:-1] if t in lex.expect and lex.polar(t) is None]
        if expected:
            part.items.append((expected[-1] + toks[-1], -lex.expect[expected[-1]]))


def _unknown_adjective(tok: str, lex: Lexicon) -> bool:
    """A two-character word the lexicon does not know and that names no aspect (清新, 安静 before 多了)."""
    return len(tok) == 2 and not _is_value_word(tok, lex) and _aspect(tok, "", lex) is None and tok not in _known(lex)


@lru_cache(maxsize=65536)
def _aspect(tok: str, previous: str, lex: Lexicon) -> str | None:
    """The aspect a noun names (租金 → cost), also at the end of a compound jieba kept whole (办事效率)."""
    if previous + tok in lex.aspect_of:
        return lex.aspect_of[previous + tok]
    if tok in lex.aspect_of:
        return lex.aspect_of[tok]
    for size in range(min(4, len(tok) - 1), 1, -1):
        if tok[-size:] in lex.aspect_of:
            return lex.aspect_of[tok[-size:]]
    return None


def _aspect_after(toks: list[str], i: int, lex: Lexicon) -> str | None:
    """增加了机械车位: with no aspect before it, a scalar word may name its aspect just after."""
    for j in range(i + 1, min(len(toks), i + 4)):
        found = _aspect(toks[j], toks[j - 1], lex)
        if found:
            return found
    return None


def _distance(toks: list[str], start: int, end: int) -> int:
    return sum(1 for t in toks[start + 1:end + 1] if t not in _THIN)


def _has_target(toks: list[str], i: int, lex: Lexicon, window: int = NEGATION_WINDOW) -> bool:
    """Does an evaluative, expected or scalar word follow within `window` tokens (so `toks[i]` modifies it)?"""
    for j in range(i + 1, len(toks)):
        if _distance(toks, i, j) > window:
            return False
        if _is_value_word(toks[j], lex):
            return True
        if toks[j] in _SCOPE_BREAKERS or re.match(_NUM, toks[j]):
            return False
    return False


def _word_value(tok: str, toks: list[str], i: int, lex: Lexicon, aspect: str | None, last_scalar_at: int,
                degree_at: int) -> float | None:
    """The signed value of one token, or None when it carries nothing."""
    final = lex.cues["final_only"]
    nxt = toks[i + 1] if i + 1 < len(toks) else ""
    if tok in final and lex.polar(tok) is None:
        return final[tok] if all(t in _FILLER for t in toks[i + 1:]) else None
    if tok == "麻烦" and _is_request_token(toks, i, lex):
        return None
    if tok in _VERB_CONTEXT and any(t in _VERB_CONTEXT[tok] for t in toks[max(0, i - 3):i]):
        return None
    if tok == "好" and nxt[:1] in {"几", "多", "久", "像", "一", "在", "不"}:
        return None  # 好几次, 好多, 好久: not praise
    if tok in _ADVERB_OR_PRAISE and not _ends_clause(toks, i):
        return None  # 问题实在太多, 实在不行: "really", the words after it carry the value
    if tok == "快" and re.match(r"[0-9一二两三四五六七八九十半]", nxt):
        return None  # 快一半: "almost"
    if tok in {"快", "厉害", "猛", "快多了"} and 0 < i - last_scalar_at <= 6:
        return None  # 涨得太快, 涨得比工资快多了: the scalar before already counted
    polar = lex.polar(tok)
    if polar is not None:
        return polar
    doubled = lex.polar(tok[0] + tok[2]) if len(tok) == 4 and tok[0] == tok[1] and tok[2] == tok[3] else None
    if doubled is not None:
        return doubled * 1.3  # 明明白白, 拖拖拉拉: the reduplicated word, stronger
    if tok in lex.scalar_up or tok in lex.scalar_down:
        direction = 1.0 if tok in lex.scalar_up else -1.0
        default = (lex.scalar_up if direction > 0 else lex.scalar_down)[tok]
        strong = i - degree_at <= DEGREE_WINDOW
        if aspect is None:
            if tok in lex.excess and i > 0 and toks[i - 1] in {"太", "过", "过于", "太过"}:
                return -0.8
            return default or None
        if aspect == "crowd" and direction < 0:
            return default or None  # 人少 is not praise of a crowd; 符合条件的人越来越少 is about the rule
        sign = {"cost": -1.0, "crowd": -1.0, "burden": -1.0, "benefit": 1.0, "hours": 1.0}[aspect]
        return direction * sign * (SCALAR_STRONG if strong else SCALAR_PLAIN)
    if tok in lex.expect:
        return -lex.expect[tok]  # only used when negated (see _negate)
    return None


def _ends_clause(toks: list[str], i: int) -> bool:
    """Nothing but particles (or 的/人: 实在的, 实在人) follows token i in its clause."""
    return all(t in _FILLER or t in _PRAISE_AFTER for t in toks[i + 1:])


def _negate(negator: str, value: float, is_expect: bool, toks: list[str], at: int, target: int) -> float:
    """The value of a negated word. Praise denied is a complaint; a complaint denied is almost nothing unless the
    negator credits someone (从没拖过, 没让我们操心) or marks a change (不再卡顿, 不用等了)."""
    if is_expect:
        return value  # 没下文: the expected thing is missing
    if value > 0:
        factor = 0.7 if negator in _WEAK_NEGATORS else (1.2 if negator in _EMPHATIC_NEGATORS else 0.9)
        return -value * factor
    magnitude = -value
    between = "".join(toks[at + 1:target])
    if negator in _CREDIT_NEGATORS or (negator != "别" and _CREDIT_AFTER.match(between)):
        return max(magnitude * 0.8, 0.6)  # 再没出过问题: even a weak complaint word, denied for good, is praise
    if negator in _RELIEF_NEGATORS and "了" in "".join(toks[target:]):
        return magnitude * 0.7
    if negator in _EMPHATIC_NEGATORS:
        return magnitude * 0.6
    return magnitude * 0.25


def _ironic_quotes(text: str, lex: Lexicon) -> list[str]:
    """Praise in quotation marks: 效率真"高" is irony in feedback."""
    found = []
    for match in _QUOTED.finditer(text):
        inner = match.group(1)
        if any((lex.polar(t) or 0) > 0 for t in tokens(inner)) or any(w in inner for w in _IRONIC_QUOTED):
            found.append(inner)
    return found


# ---------------------------------------------------------------------------------------------------- weighing


def _spread_requests(parts: list[_Clause]) -> None:
    """A request or question covers the rest of its sentence (建议…，方便大家参加 is still the suggestion)."""
    for i, part in enumerate(parts[1:], start=1):
        before = parts[i - 1]
        if before.sentence == part.sentence and before.is_request and not part.turn:
            part.is_request = True


def _weigh_clauses(parts: list[_Clause], lex: Lexicon) -> None:
    turn_at = max((i for i, p in enumerate(parts) if p.turn), default=None)
    asks = any(p.is_request or p.is_question or p.no_opinion for p in parts)
    for i, part in enumerate(parts):
        weight = 1.0
        if turn_at is not None:
            weight = TURN_WEIGHT if i >= turn_at else BEFORE_TURN_WEIGHT
        if part.concessive:
            weight = min(weight, CONCESSIVE_WEIGHT)
        if part.past and any(not q.past for q in parts[i + 1:]):
            weight *= PAST_WEIGHT
        elif any(q.past for q in parts[:i]) and (any(t in _PRESENT for t in part.tokens[:3])
                                                  or any(t in _AFTERWARDS for t in part.tokens[:6])):
            weight *= PRESENT_WEIGHT  # 以前…，现在…: the present state is the point
        if part.fact:
            weight *= FACT_WEIGHT
        if part.no_opinion:
            part.items = [(w, v) for w, v in part.items if v < -0.9]  # only a plain complaint survives
        if part.thanks_only and asks:
            part.items = []
        if part.is_request:
            part.items = [(w, v * (REQUEST_POSITIVE if v > 0 else REQUEST_TOPIC if w in _TOPIC_NOUNS
                                   else REQUEST_NEGATIVE)) for w, v in part.items]
        elif part.is_question and not part.rhetorical:
            part.items = [(w, v * (QUESTION_POSITIVE if v > 0 else QUESTION_NEGATIVE)) for w, v in part.items]
        if part.turn_lean:
            part.items.append((TURN_MARKER, part.turn_lean))
        part.weight = weight
    _contrast(parts, turn_at)


def _contrast(parts: list[_Clause], turn_at: int | None) -> None:
    """前台服务还可以，可是保安经常在岗位上睡觉: when what follows the turn word says nothing evaluative, the turn
    itself tells its direction, the opposite of what came before."""
    if turn_at is None or turn_at == 0:
        return
    after = parts[turn_at:]
    if any(p.items for p in after) or any(p.is_request or p.is_question for p in after):
        return
    before = sum(v for p in parts[:turn_at] for _, v in p.items)
    if before >= 0.5:  # praise, then a turn: the rest is the complaint (the reverse is not as reliable)
        after[0].items.append((TURN_MARKER, -0.6))


def _decide(norm: str, parts: list[_Clause], lex: Lexicon) -> SentimentResult:
    sarcasm = sum(w for _, w in _found(_cue_patterns(lex)["sarcasm"], norm, lex.cues["sarcasm"]))
    sarcasm += sum(w for pattern, w in _SARCASM_PATTERNS if pattern.search(norm))
    ironic = _ironic_quotes(norm, lex)
    weighted = [(w, v * p.weight) for p in parts for w, v in p.items if v]
    weighted += [(m.group(), w) for pattern, w, _ in _TEXT_PATTERNS for m in pattern.finditer(norm)]
    negative = -sum(v for _, v in weighted if v < 0)
    if ironic:
        weighted = [(w, -abs(v) if v > 0 else v) for w, v in weighted] + [("“" + q + "”", -1.2) for q in ironic]
    elif sarcasm >= 1.0 or (sarcasm >= 0.6 and negative >= 0.5):
        weighted = [(w, -abs(v) * 0.8 if v > 0 else v) for w, v in weighted] + [(SARCASM_MARKER, -sarcasm)]
    total = sum(v for _, v in weighted)
    positive = sum(v for _, v in weighted if v > 0)
    negative = -sum(v for _, v in weighted if v < 0)
    turn = any(p.turn for p in parts)
    mixed = min(positive, negative) / max(positive, negative) if min(positive, negative) > 0 else 0.0
    if _BALANCED.search(norm) or (not turn and not ironic and min(positive, negative) >= 0.6 and mixed >= 0.6):
        total *= 0.3
    cue = any(p.is_request or p.is_question or p.no_opinion for p in parts)
    if abs(total) >= THRESHOLD:
        label = "positive" if total > 0 else "negative"
        confidence = (0.5 + 0.45 * math.tanh((abs(total) - THRESHOLD) / 0.8)) * (1.0 - 0.35 * mixed)
    else:
        label = "neutral"
        if not weighted:
            confidence = 0.85 if cue else 0.75
        else:
            closeness = 1 - abs(total) / THRESHOLD
            confidence = 0.45 + 0.35 * closeness * (0.6 if mixed else 1.0) + (0.1 if cue else 0.0)
    return SentimentResult(label, round(math.tanh(total / 1.5), 4), round(min(max(confidence, 0.0), 1.0), 4),
                           _evidence(label, weighted, parts, lex))


def _evidence(label: str, weighted: list[tuple[str, float]], parts: list[_Clause], lex: Lexicon) -> str:
    sign = {"positive": 1, "negative": -1, "neutral": 0}[label]
    decisive = sorted((item for item in weighted if sign == 0 or item[1] * sign > 0), key=lambda item: -abs(item[1]))
    words = [w for w, _ in decisive][:6 if sign else 3]
    if sign == 0:
        words = [t for p in parts for t in p.tokens if t in lex.cues["request"] or t in _STRONG_QUESTION][:3] + words
        if any(p.question_mark for p in parts):
            words.append("？")
    return " ".join(dict.fromkeys(words))[:200]
