"""Seeded synthetic generator of Chinese→Vietnamese machine-translation artifacts.

Takes clean Vietnamese news sentences and returns :class:`SyntheticPair` objects:
the clean sentence (unchanged, NFC), a corrupted copy, and the exact character
spans (in the corrupted text) of every corruption with its category and the clean
substring it replaced.  Used to train (a) a sentence/span artifact detector and
(b) a seq2seq rewriter on (corrupted → clean) pairs.

Invariants (by construction, tested):

* ``pair.clean`` is the NFC input; ``pair.corrupted == pair.clean`` when nothing
  was applied (``spans == ()``).
* ``corrupted[s.start:s.end] == s.text`` for every span; spans never overlap and
  are separated by at least one character; they are sorted by ``start``.
* Replacing every span's ``text`` by its ``original`` right to left gives back
  ``clean`` exactly.
* Span texts never start or end with whitespace.  Pure insertions (an English
  word, a duplicated phrase, an inserted "sự") therefore absorb the neighbouring
  word: inserting "sự" before "hợp tác" gives ``text="sự hợp tác"``,
  ``original="hợp tác"``.  ``original`` is never empty.
* Deterministic for a given ``SynthSettings.seed`` and input order: sentence *i*
  gets its own ``random.Random`` derived from ``(seed, i)``.

Families (one per category).  Real example of each from the seed articles
(``/work/shared/data/seed_dev.jsonl``, dev only: never used as templates here):

``pinyin``
    A Vietnamese person name (surname-first run of 2–4 capitalised syllables, or a
    run after a title such as "ông", "Thủ tướng") rendered in pinyin through the
    Hán-Việt table: syllable → Chinese character with that reading → toneless
    pinyin, surname capitalised and given name fused.  Variants: all split, all
    fused, given name first, an English look-alike word.  Seed 002-07
    "Thủ tướng Việt Ruan Chunfu" (Nguyễn Xuân Phúc); 003-00 "Duboji", 003-01
    "Du Bo Pat", 003-06 "Đô đốc Burton" (Đỗ Bá Tỵ).
``calque_name``
    A Japanese name whose kanji parts are replaced by their English gloss, their
    Hán-Việt reading or their pinyin, mixed with romaji, order sometimes swapped.
    Applied to table names already in the sentence ("Itsunori Onodera") and, if
    ``SynthSettings.substitute_names``, substituted for a Vietnamese person name.
    Seed 000-01 "Tây canon" (西正典 Masanori Nishi), 000-02 "Onodera Five Mã",
    003-14 "Yomitan Temple Five" (小野寺五典 Itsunori Onodera), 003-02
    "Iwasaki Mao" (岩崎茂 Shigeru Iwasaki), 000-04 "Onodera Watanabe".
``term``
    A Latin-script foreign term or place name mangled: letters dropped, inserted,
    swapped or respelled pinyin-style.  Seed 002-05 "Diorcin", 002-09 "Doxian"
    (dioxin), 000-01 "(Okinaw)" (Okinawa).
``calque``
    A Vietnamese title, institution or collocation replaced by a word-for-word
    calque from a table of (correct → calque) pairs.  Seed 000-01 "trên TƯỚNG"
    (Thượng tướng), 000-02 "trên Thứ trưởng", "đảng của ông" (phái đoàn),
    "chào xã giao" → 000-03 "cuộc gọi lịch sự", 002-03 "ngày hôm sau"
    (Việt Nam – Nhật Bản), 003-03 "trao đổi chiều sâu", 003-01 "giám đốc của đô
    đốc cán bộ" (Tham mưu trưởng), 002-06 "quyền lực thực thi pháp luật".
``english``
    English words left in: Vietnamese connectives/nouns replaced by English ("và"
    → "and", "Bộ Quốc phòng" → "Ministry of Defense") or English words inserted
    ("the", "on Monday", "etc.").  Seed 002-02 "Thứ trưởng Bộ Quốc phòng Brown".
``date``
    A Vietnamese date rendered in English: "ngày 17/2", "ngày 17 tháng 2" →
    "February 17", "Feb. 17", "on 17 February"; "thứ Hai" → "Monday";
    "tháng 11 năm 2016" → "November 2016".  Seed 000-02 "báo cáo February 17",
    002-02 "Hà Nội - June 5".
``duplicate``
    A phrase duplicated: "A và B" → "A và A", "W" → "W và W", "cả W lẫn W",
    "W, W", "và và".  Seed 000-05 / 003-10 "vai trò và vai trò", 003-04
    "Nhật Bản và Nhật Bản", 003-11 "cả Nhật Bản lẫn Nhật Bản".
``grammar``
    Word-order and function-word errors: modifier before noun ("quốc phòng hợp
    tác"), reversed possessive ("Việt Nam của vai trò"), inserted "sự"/"việc"/
    "của"/"các"/"được"/"đó là", dropped classifiers, misplaced "rằng".  Seed
    000-03 "rằng sự hợp tác", "đó là phù hợp", 000-09 "quốc phòng song phương
    của lõi", 002-02 "Bộ Nhật Bản Quốc phòng".

Resources (Hán-Việt table, Vietnamese word list, Chinese/Japanese character
frequencies, English word list) are loaded once per path pair and cached.
"""

from __future__ import annotations

import ast
import csv
import functools
import logging
import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

CATEGORIES = ("pinyin", "calque_name", "term", "calque", "english", "date", "duplicate", "grammar")

DEFAULT_FAMILY_WEIGHTS: Mapping[str, float] = {
    # Relative priorities, not shares: a family is only tried where it applies (in news text
    # pinyin/calque_name ~9% of sentences, calque ~9%, date ~6%, term ~30%, the rest ~80-99%),
    # so the rare families get large weights to keep the realised shares balanced.
    "pinyin": 12.0,
    "calque_name": 8.0,
    "term": 2.5,
    "calque": 12.0,
    "english": 0.6,
    "date": 14.0,
    "duplicate": 0.6,
    "grammar": 0.7,
}

_REPO_ROOT = Path(__file__).resolve().parent.parent


def _resolve(p: Path) -> Path:
    p = Path(p)
    return p if p.is_absolute() else (_REPO_ROOT / p).resolve()


@dataclass(frozen=True)
class SynthSettings:
    seed: int = 0
    rate: float = 0.5
    max_corruptions: int = 2
    family_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_FAMILY_WEIGHTS)
    )
    hanviet_csv: Path = Path("../shared/data/lexicon/hanviet/hanviet.csv")
    vi_words: Path = Path("../shared/data/lexicon/vi_words.txt")
    # calque_name may replace a Vietnamese person name by a Japanese table name's
    # calque; the clean side keeps the original name (set False when the corrupted
    # side must stay recoverable from itself, e.g. for rewriter training).
    substitute_names: bool = True

    def __post_init__(self) -> None:
        unknown = set(self.family_weights) - set(CATEGORIES)
        if unknown:
            raise ValueError(f"unknown families in family_weights: {sorted(unknown)}")
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError("rate must be in [0, 1]")
        if self.max_corruptions < 1:
            raise ValueError("max_corruptions must be >= 1")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    category: str
    text: str
    original: str


@dataclass(frozen=True)
class SyntheticPair:
    clean: str
    corrupted: str
    spans: tuple[Span, ...]


# --------------------------------------------------------------------------- tables

_SURNAMES_PINYIN = {
    # Vietnamese surname → the character MT systems use (the Hán-Việt bridge)
    "nguyễn": "阮",
    "trần": "陳",
    "lê": "黎",
    "phạm": "范",
    "hoàng": "黃",
    "huỳnh": "黃",
    "phan": "潘",
    "vũ": "武",
    "võ": "武",
    "đặng": "鄧",
    "bùi": "裴",
    "đỗ": "杜",
    "hồ": "胡",
    "ngô": "吳",
    "dương": "楊",
    "lý": "李",
    "đinh": "丁",
    "đoàn": "段",
    "trương": "張",
    "lâm": "林",
    "mai": "梅",
    "trịnh": "鄭",
    "lưu": "劉",
    "tô": "蘇",
    "hà": "何",
    "cao": "高",
    "tạ": "謝",
    "lương": "梁",
    "thái": "蔡",
    "châu": "周",
    "chu": "朱",
    "vương": "王",
    "phùng": "馮",
    "triệu": "趙",
    "tăng": "曾",
    "lại": "賴",
    "mạc": "莫",
    "hứa": "許",
    "quách": "郭",
    "kiều": "喬",
    "từ": "徐",
    "đàm": "譚",
    "khổng": "孔",
    "tôn": "孫",
}

_NOT_NAMES = {
    "hà nội",
    "hà nam",
    "hà tĩnh",
    "hà giang",
    "hà đông",
    "hà lan",
    "cao bằng",
    "lâm đồng",
    "thái bình",
    "thái nguyên",
    "thái lan",
    "hồ gươm",
    "hồ tây",
    "lý sơn",
    "phan thiết",
    "phan rang",
    "mai châu",
    "châu đốc",
    "châu âu",
    "châu á",
    "châu phi",
    "châu mỹ",
    "châu úc",
    "tô lịch",
    "hoàng sa",
    "trường sa",
    "hồ chí minh",
    "lê chân",
    "đồng nai",
    "cao lãnh",
    "hoàng mai",
    "từ liêm",
    "triều tiên",
    "hồ hoàn kiếm",
    "trung quốc",
    "lương sơn",
    "tạ hiện",
    "lê mật",
    "quách thị trang",
}

_PLACE_PREFIXES = {
    "đường",
    "phố",
    "tp",
    "thành phố",
    "tỉnh",
    "huyện",
    "quận",
    "xã",
    "phường",
    "sông",
    "cầu",
    "hồ",
    "chùa",
    "đền",
    "trường",
    "bệnh viện",
    "khu",
    "ngõ",
    "ngách",
    "thị trấn",
    "thị xã",
    "chợ",
    "cảng",
    "đảo",
    "núi",
    "đèo",
    "vịnh",
    "phòng",
    "sân",
    "bến",
    "nhà",
}

_PERSON_TITLES = {"ông", "bà", "Ông", "anh", "chị", "Chị", "ngài", "Ngài", "cụ", "chú", "bé"}
_TITLES = {
    "ông",
    "bà",
    "anh",
    "chị",
    "em",
    "cô",
    "chú",
    "bác",
    "ngài",
    "cụ",
    "thủ tướng",
    "bộ trưởng",
    "chủ tịch",
    "thứ trưởng",
    "tướng",
    "đồng chí",
    "giám đốc",
    "phó",
    "tổng bí thư",
    "bí thư",
    "đại tướng",
    "thượng tướng",
    "trung tướng",
    "thiếu tướng",
    "đô đốc",
    "bị cáo",
    "đối tượng",
    "nghi phạm",
    "tài xế",
    "cháu",
    "bé",
    "ca sĩ",
    "nhà văn",
    "nhà thơ",
    "tiến sĩ",
    "thạc sĩ",
    "giáo sư",
    "bác sĩ",
    "luật sư",
    "nghệ sĩ",
    "họa sĩ",
    "cầu thủ",
    "hlv",
    "tổng thống",
    "đại sứ",
    "phó thủ tướng",
    "chủ nhiệm",
    "trưởng",
    "tổng giám đốc",
    "nạn nhân",
    "vợ",
    "chồng",
    "đại úy",
    "thượng úy",
    "trung úy",
    "thiếu tá",
    "trung tá",
    "thượng tá",
    "đại tá",
    "sinh viên",
}

# Japanese names: romaji → kanji (surnames, then given names).
_JP_SURNAMES = dict(
    item.split(":")[::-1]
    for item in (
        "田中:Tanaka 山本:Yamamoto 浜田:Hamada 豊田:Toyoda 佐藤:Sato 鈴木:Suzuki 高橋:Takahashi "
        "渡辺:Watanabe 伊藤:Ito 中村:Nakamura 小林:Kobayashi 加藤:Kato 吉田:Yoshida 山田:Yamada "
        "山口:Yamaguchi 松本:Matsumoto 井上:Inoue 木村:Kimura 林:Hayashi 清水:Shimizu "
        "山崎:Yamazaki "
        "森:Mori 池田:Ikeda 橋本:Hashimoto 阿部:Abe 石川:Ishikawa 山下:Yamashita 中島:Nakajima "
        "石井:Ishii 小川:Ogawa 前田:Maeda 岡田:Okada 長谷川:Hasegawa 藤田:Fujita 後藤:Goto "
        "近藤:Kondo 村上:Murakami 遠藤:Endo 青木:Aoki 坂本:Sakamoto 斎藤:Saito 福田:Fukuda "
        "太田:Ota 西村:Nishimura 藤井:Fujii 岡本:Okamoto 松田:Matsuda 中川:Nakagawa 中野:Nakano "
        "原田:Harada 小野:Ono 竹内:Takeuchi 金子:Kaneko 和田:Wada 中山:Nakayama 石田:Ishida "
        "上田:Ueda 森田:Morita 柴田:Shibata 酒井:Sakai 横山:Yokoyama 宮崎:Miyazaki 宮本:Miyamoto "
        "内田:Uchida 高木:Takagi 谷口:Taniguchi 丸山:Maruyama 今井:Imai 河野:Kono 岸田:Kishida "
        "菅:Suga 岩崎:Iwasaki 小野寺:Onodera 西:Nishi 岩屋:Iwaya 稲田:Inada 中谷:Nakatani "
        "茂木:Motegi 麻生:Aso 石破:Ishiba 岸:Kishi 木原:Kihara 上川:Kamikawa 野田:Noda "
        "鳩山:Hatoyama 小泉:Koizumi 福島:Fukushima 北村:Kitamura 大島:Oshima 高田:Takada "
        "松井:Matsui 千葉:Chiba 桜井:Sakurai 野村:Nomura 新井:Arai 平野:Hirano 大塚:Otsuka "
        "本田:Honda 黒田:Kuroda 東:Higashi 三木:Miki 三浦:Miura 白石:Shiraishi 星野:Hoshino "
        "川口:Kawaguchi 吉川:Yoshikawa 市川:Ichikawa 小池:Koike 高市:Takaichi 安倍:Abe "
        "大野:Ohno 宮沢:Miyazawa 竹下:Takeshita 二階:Nikai 安藤:Ando 古川:Furukawa"
    ).split()
)
_JP_GIVEN = dict(
    item.split(":")[::-1]
    for item in (
        "五典:Itsunori 正典:Masanori 茂:Shigeru 晋三:Shinzo 文雄:Fumio 義偉:Yoshihide 太郎:Taro "
        "一郎:Ichiro 健太:Kenta 大輔:Daisuke 誠:Makoto 浩:Hiroshi 明:Akira 健一:Kenichi 和夫:Kazuo "
        "正雄:Masao 隆:Takashi 剛:Tsuyoshi 毅:Takeshi 一:Hajime 清:Kiyoshi 勝:Masaru 進:Susumu "
        "学:Manabu 修:Osamu 実:Minoru 正:Tadashi 和也:Kazuya 直樹:Naoki 秀樹:Hideki 雅人:Masato "
        "拓也:Takuya 翔:Sho 大樹:Daiki 光:Hikaru 春樹:Haruki 康夫:Yasuo 由紀夫:Yukio "
        "純一郎:Junichiro 良子:Yoshiko 花子:Hanako 美咲:Misaki 陽子:Yoko 恵子:Keiko 裕子:Yuko "
        "真理子:Mariko 幸子:Sachiko 愛:Ai 明美:Akemi 直美:Naomi 友美:Tomomi 和子:Kazuko "
        "百合子:Yuriko 聖子:Seiko 早苗:Sanae 太一:Taichi 健:Ken 信夫:Nobuo 勝信:Katsunobu "
        "敏充:Toshimitsu 豊:Yutaka 功:Isao 稔:Minoru 茂樹:Shigeki 俊博:Toshihiro 克也:Katsuya "
        "洋平:Yohei 信之:Nobuyuki 昭:Akira 岳:Gaku 大地:Daichi 圭:Kei 直人:Naoto 幸男:Yukio "
        "一雄:Kazuo 正人:Masato 秀一:Shuichi 光男:Mitsuo 真一:Shinichi 英樹:Hideki 明子:Akiko"
    ).split()
)

_KANJI_EN = dict(
    item.split(":")
    for item in (
        "一:One 二:Two 三:Three 五:Five 十:Ten 千:Thousand 百:Hundred 大:Big 小:Small 中:Middle "
        "上:Up 下:Down 山:Mountain 田:Field 川:River 木:Tree 本:Book 林:Forest 森:Woods 村:Village "
        "井:Well 石:Stone 岩:Rock 崎:Cape 島:Island 原:Plain 野:Wild 谷:Valley 橋:Bridge 浜:Beach "
        "西:West 東:East 北:North 前:Front 後:Back 内:Inside 高:High 長:Long 新:New 平:Flat "
        "黒:Black 白:White 青:Blue 金:Gold 松:Pine 竹:Bamboo 藤:Wisteria 桜:Cherry 花:Flower "
        "葉:Leaf 水:Water 池:Pond 清:Clear 泉:Spring 浦:Bay 坂:Slope 口:Mouth 寺:Temple 宮:Palace "
        "屋:House 部:Part 子:Child 太:Thick 郎:Lang 正:Right 典:Canon 茂:Lush 晋:Advance 文:Letter "
        "雄:Male 義:Justice 偉:Great 健:Healthy 輔:Help 誠:Sincere 浩:Vast 明:Bright 和:Peace "
        "夫:Husband 隆:Prosper 剛:Hard 武:Martial 毅:Firm 博:Wide 勝:Win 進:Forward 学:Study "
        "修:Master 実:Fruit 也:Also 直:Straight 樹:Tree 秀:Excellent 雅:Elegant 人:Person 拓:Open "
        "翔:Soar 光:Light 春:Spring 康:Calm 由:Reason 紀:Era 純:Pure 良:Good 美:Beauty 咲:Bloom "
        "陽:Sun 恵:Grace 裕:Rich 真:True 理:Reason 洋:Ocean 幸:Happy 愛:Love 友:Friend 早:Early "
        "苗:Seedling 信:Trust 敏:Quick 充:Full 昭:Shining 豊:Rich 功:Merit 稔:Harvest 聖:Holy "
        "合:Join 佐:Assist 鈴:Bell 渡:Cross 辺:Side 伊:That 加:Add 吉:Lucky 安:Safe 倍:Double "
        "阿:Corner 岡:Hill 近:Near 遠:Far 斎:Pure 福:Luck 柴:Brushwood 酒:Wine 横:Side 今:Now "
        "河:River 岸:Shore 菅:Sedge 稲:Rice 麻:Hemp 生:Life 破:Break 塚:Mound 星:Star 市:Market "
        "鳩:Dove 丸:Round 沢:Marsh 階:Stair 古:Old 俊:Talent 克:Overcome 平:Flat 之:Of 岳:Peak "
        "地:Earth 圭:Jade 英:Hero 男:Man 寺:Temple"
    ).split()
)
_WORD_EN = {"正典": "canon", "百合": "Lily", "早苗": "Seedling", "太郎": "Big Son", "大地": "Earth"}
_SHINJITAI = dict(
    zip("浜辺沢斎桜恵実学稲黒晋広竜県塚", "濱邊澤齋櫻惠實學稻黑晉廣龍縣塚", strict=True)
)

# (correct Vietnamese, calque alternatives): titles, institutions, collocations.
_CALQUES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Thượng tướng", ("trên tướng", "tướng trên")),
    ("Thứ trưởng", ("trên Thứ trưởng", "Phó Bộ trưởng trên")),
    ("chào xã giao", ("cuộc gọi lịch sự", "gọi lịch sự")),
    ("phái đoàn", ("đảng của ông", "bữa tiệc")),
    ("đoàn công tác", ("đảng của ông", "bữa tiệc công tác")),
    ("Việt Nam – Nhật Bản", ("ngày hôm sau",)),
    ("Việt Nam - Nhật Bản", ("ngày hôm sau",)),
    ("Việt – Nhật", ("ngày hôm sau",)),
    ("Việt - Nhật", ("ngày hôm sau",)),
    ("trao đổi sâu", ("trao đổi chiều sâu",)),
    ("Tổng Tham mưu trưởng", ("giám đốc của đô đốc cán bộ", "trưởng nhân viên tổng hợp")),
    ("Tham mưu trưởng", ("giám đốc của đô đốc cán bộ", "trưởng nhân viên")),
    ("lực lượng chấp pháp", ("quyền lực thực thi pháp luật",)),
    ("Cảnh sát biển", ("cảnh sát trên biển", "lực lượng bảo vệ bờ biển")),
    ("Bộ trưởng Quốc phòng", ("Bộ trưởng các vấn đề quốc phòng", "Bộ trưởng Phòng vệ")),
    ("Đại tướng", ("tướng lớn", "Tướng quân lớn")),
    ("Trung tướng", ("tướng giữa", "giữa tướng")),
    ("Thiếu tướng", ("ít tướng", "tướng nhỏ")),
    ("Đô đốc", ("tướng trên hải quân", "tướng hải quân")),
    ("Chủ tịch nước", ("Chủ tịch nhà nước", "quốc gia Chủ tịch")),
    ("Phó Thủ tướng", ("Phó Tổng lý", "Phó Thủ tướng Chính phủ Quốc vụ viện")),
    ("Thủ tướng", ("Tổng lý",)),
    ("Tổng Bí thư", ("Tổng thư ký",)),
    ("Bộ Chính trị", ("Cục Chính trị",)),
    ("Ban Chấp hành Trung ương", ("Ủy ban Trung ương",)),
    ("Bộ Ngoại giao", ("Bộ Ngoại vụ", "Bộ Sự vụ Đối ngoại")),
    ("Bộ Quốc phòng", ("Bộ các vấn đề quốc phòng", "Bộ Phòng vệ")),
    ("Bộ Công an", ("Bộ An ninh Công cộng",)),
    ("Bộ Y tế", ("Bộ Sức khỏe", "Bộ Vệ sinh")),
    ("Bộ Giáo dục và Đào tạo", ("Bộ Giáo dục và Huấn luyện",)),
    ("Bộ Tài chính", ("Bộ Kho bạc",)),
    ("Bộ Công Thương", ("Bộ Thương mại và Công nghiệp",)),
    ("Ủy ban nhân dân", ("Chính phủ nhân dân",)),
    ("UBND", ("Chính phủ nhân dân",)),
    ("Hội đồng nhân dân", ("Đại hội Đại biểu Nhân dân",)),
    ("Liên Hợp Quốc", ("Các quốc gia thống nhất", "Quốc gia Liên hợp")),
    ("tàu tuần tra", ("thuyền tuần tra",)),
    ("lực lượng gìn giữ hòa bình", ("lực lượng duy trì hòa bình",)),
    ("thiết thực", ("thực dụng", "vụ thực")),
    ("đoàn cấp cao", ("đoàn cao cấp", "đoàn quân cao cấp")),
    ("Viện Kiểm sát", ("Viện Công tố",)),
    ("Tòa án", ("Pháp viện",)),
    ("bệnh viện", ("y viện",)),
    ("sân bay", ("cơ trường",)),
    ("điện thoại di động", ("điện thoại cầm tay", "thủ cơ")),
    ("máy tính", ("điện não",)),
    ("mạng xã hội", ("mạng lưới xã giao",)),
    ("doanh nghiệp", ("xí nghiệp",)),
    ("thị trường chứng khoán", ("thị trường cổ phiếu", "cổ thị")),
    ("Ngân hàng Nhà nước", ("Ngân hàng Nhân dân",)),
    ("Châu Á - Thái Bình Dương", ("Á Thái",)),
    ("Châu Á-Thái Bình Dương", ("Á Thái",)),
    ("Biển Đông", ("Nam Hải",)),
    ("Hoàng Sa", ("Tây Sa",)),
    ("Trường Sa", ("Nam Sa",)),
    ("Australia", ("Úc Đại Lợi",)),
    ("Tiến sĩ", ("Bác sĩ",)),
    ("giáo sư", ("giáo thụ",)),
    ("sinh viên", ("đại học sinh",)),
    ("kỹ sư", ("công trình sư",)),
    ("nhà báo", ("ký giả",)),
    ("phóng viên", ("ký giả",)),
    ("cảnh sát giao thông", ("giao cảnh",)),
    ("CSGT", ("giao cảnh",)),
    ("Tổng giám đốc", ("Tổng kinh lý",)),
    ("Chủ tịch Hội đồng quản trị", ("Đổng sự trưởng",)),
    ("Chủ tịch HĐQT", ("Đổng sự trưởng",)),
    ("hội đàm", ("nói chuyện hội nghị", "hội nghị đàm phán")),
    ("Công an tỉnh", ("Sở Công an tỉnh",)),
    ("khủng bố", ("kinh hoàng chủ nghĩa",)),
    ("hải quân", ("quân đội biển",)),
    ("bóng đá", ("túc cầu",)),
    ("cầu thủ", ("cầu viên",)),
    ("huấn luyện viên", ("giáo luyện",)),
    ("khách sạn", ("tửu điếm",)),
    ("tài xế", ("ty cơ",)),
    ("người dân", ("quần chúng",)),
    ("vụ án", ("án kiện",)),
    ("tai nạn giao thông", ("sự cố giao thông",)),
    ("nghi phạm", ("hiềm nghi nhân",)),
    ("bị can", ("hiềm nghi nhân",)),
    ("trường học", ("học hiệu",)),
    ("người phát ngôn", ("phát ngôn nhân",)),
    ("Phát ngôn viên", ("phát ngôn nhân",)),
    ("họp báo", ("ký giả hội",)),
    ("truyền thông", ("môi thể",)),
    ("máy bay", ("phi cơ",)),
    ("tàu hỏa", ("hỏa xa",)),
    ("xe buýt", ("công giao xa",)),
    ("xe tải", ("hóa xa",)),
    ("ô tô", ("khí xa",)),
    ("Tổng thống", ("Đại thống lĩnh", "Tổng thống lĩnh")),
    ("chính quyền địa phương", ("chính phủ địa phương",)),
)

_ENGLISH_SUBS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("và", ("and",)),
    ("nhưng", ("but",)),
    ("tuy nhiên", ("however",)),
    ("theo", ("according to",)),
    ("cho biết", ("said",)),
    ("nói", ("said",)),
    ("Bộ Quốc phòng", ("Ministry of Defense", "Defense Ministry")),
    ("Bộ Ngoại giao", ("Ministry of Foreign Affairs", "Foreign Ministry")),
    ("Thủ tướng", ("Prime Minister",)),
    ("Tổng thống", ("President",)),
    ("hoặc", ("or",)),
    ("với", ("with",)),
    ("tại", ("at", "in")),
    ("sau đó", ("then", "after that")),
    ("ngoài ra", ("in addition", "besides")),
    ("đặc biệt", ("especially",)),
    ("khoảng", ("about", "around")),
    ("hiện nay", ("currently", "now")),
    ("Liên Hợp Quốc", ("United Nations", "UN")),
    ("Hoa Kỳ", ("United States", "US")),
    ("Mỹ", ("US", "America")),
    ("Nhật Bản", ("Japan",)),
    ("Trung Quốc", ("China",)),
    ("Hàn Quốc", ("South Korea",)),
    ("hội nghị", ("conference",)),
    ("chính phủ", ("government",)),
    ("cảnh sát", ("police",)),
    ("công ty", ("company",)),
    ("triệu", ("million",)),
    ("tỷ", ("billion",)),
    ("phần trăm", ("percent",)),
    ("đồng ý", ("agreed",)),
    ("tuyên bố", ("announced", "statement")),
    ("quân đội", ("military", "army")),
    ("thỏa thuận", ("agreement", "deal")),
    ("an ninh", ("security",)),
    ("hợp tác", ("cooperation",)),
    ("đại sứ", ("ambassador",)),
    ("vì vậy", ("therefore", "so")),
    ("cũng", ("also",)),
    ("nếu", ("if",)),
    ("trước đó", ("previously", "earlier")),
    ("bởi vì", ("because",)),
)
_ENGLISH_INSERTS = (
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Friday",
    "said",
    "also",
    "however",
    "too",
    "yesterday",
    "last week",
)
_ENGLISH_TAILS = ("etc.", "and so on", "as well")

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_MONTHS_ABBR = (
    "Jan.",
    "Feb.",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
)
_RELATIVE_EN = {
    "hôm qua": ("yesterday",),
    "hôm nay": ("today",),
    "sáng nay": ("this morning",),
    "chiều nay": ("this afternoon",),
    "tối nay": ("tonight", "this evening"),
    "tuần trước": ("last week",),
    "tuần tới": ("next week",),
    "năm ngoái": ("last year",),
    "tháng trước": ("last month",),
    "năm tới": ("next year",),
    "ngày mai": ("tomorrow",),
}
_WEEKDAYS = {
    "Hai": "Monday",
    "Ba": "Tuesday",
    "Tư": "Wednesday",
    "Năm": "Thursday",
    "Sáu": "Friday",
    "Bảy": "Saturday",
}

_KNOWN_TERMS = {
    "dioxin",
    "virus",
    "internet",
    "email",
    "covid",
    "facebook",
    "google",
    "youtube",
    "tokyo",
    "washington",
    "okinawa",
    "london",
    "paris",
    "moscow",
    "iphone",
    "samsung",
    "apple",
    "video",
    "online",
    "website",
    "smartphone",
    "vaccine",
    "oxy",
    "carbon",
    "nitrat",
    "plastic",
    "robot",
    "ebola",
    "zika",
    "sars",
    "album",
    "camera",
    "laptop",
    "bitcoin",
    "twitter",
    "tiktok",
}

_FUNCTION = {
    "và",
    "của",
    "các",
    "những",
    "là",
    "có",
    "được",
    "cho",
    "với",
    "trong",
    "tại",
    "theo",
    "từ",
    "đến",
    "này",
    "đó",
    "đã",
    "sẽ",
    "đang",
    "không",
    "một",
    "người",
    "bị",
    "thì",
    "mà",
    "để",
    "khi",
    "nhiều",
    "rất",
    "cũng",
    "còn",
    "lại",
    "ra",
    "vào",
    "lên",
    "xuống",
    "về",
    "như",
    "nhưng",
    "hay",
    "hoặc",
    "nên",
    "vì",
    "do",
    "sau",
    "trước",
    "trên",
    "dưới",
    "ở",
    "rằng",
    "lẫn",
    "cả",
    "sự",
    "việc",
    "nào",
    "gì",
    "ai",
    "nếu",
    "thế",
    "vậy",
    "hơn",
    "nhất",
    "đều",
}
_CLASSIFIERS = {
    "chiếc",
    "con",
    "cái",
    "bức",
    "tờ",
    "quyển",
    "cuốn",
    "ngôi",
    "căn",
    "tấm",
    "chuyến",
    "bộ",
}
_QUANT = {
    "một",
    "hai",
    "ba",
    "bốn",
    "năm",
    "sáu",
    "bảy",
    "tám",
    "chín",
    "mười",
    "các",
    "những",
    "mấy",
    "mỗi",
    "từng",
}

_WORD_RE = re.compile(r"\w+")
_TONE_RE = re.compile(r"[0-9]")

Edit = tuple[int, int, str, str]  # (start, end, replacement, category) in clean coordinates


def _nfc(s: str) -> str:
    return unicodedata.normalize("NFC", s)


def _is_cap(w: str) -> bool:
    return w[0].isupper() and (len(w) == 1 or w[1:].islower()) and w.isalpha()


def _match_case(orig: str, rep: str) -> str:
    if orig[:1].isupper() and rep[:1].islower():
        return rep[0].upper() + rep[1:]
    return rep


def _reorder(first: str, rest: str, at_start: bool) -> str:
    """Join two moved pieces; at sentence start move the capital to the new first word."""
    if at_start and rest[:1].isupper() and rest[1:].split(" ")[0].islower() and first[:1].islower():
        rest = rest[0].lower() + rest[1:]
    if at_start:
        first = first[0].upper() + first[1:]
    return f"{first} {rest}"


def _sentence_start(text: str, pos: int) -> bool:
    head = text[:pos].rstrip(' "“(')
    return not head or head[-1] in ".!?:"


def _phrase_regex(phrases: Iterable[str]) -> re.Pattern[str]:
    alts = sorted({p for p in phrases}, key=len, reverse=True)
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(a) for a in alts) + r")(?!\w)", re.IGNORECASE
    )


def _case_ok(found: str, phrase: str) -> bool:
    """The found text equals the table phrase up to the case of its first letter."""
    return found[1:] == phrase[1:] and found[:1].lower() == phrase[:1].lower()


# ------------------------------------------------------------------------ resources


@dataclass
class _Resources:
    reading_chars: dict[str, list[str]]  # Hán-Việt syllable → chars, most frequent first
    char_pinyin: dict[str, str]  # char → toneless pinyin (first reading)
    char_hanviet: dict[str, str]  # char → first Hán-Việt reading
    vi_syllables: frozenset[str]
    vi_words: frozenset[str]  # multi-syllable dictionary words, lowercase
    en_by_prefix: dict[str, list[str]]  # two-letter prefix → English words (len >= 5)


@functools.lru_cache(maxsize=4)
def _load_resources(hanviet_csv: Path, vi_words_path: Path) -> _Resources:
    from pypinyin import Style, lazy_pinyin, pinyin
    from wordfreq import get_frequency_dict, top_n_list

    if not hanviet_csv.exists():
        raise FileNotFoundError(f"Hán-Việt table not found: {hanviet_csv}")
    zh = get_frequency_dict("zh")
    ja = get_frequency_dict("ja")
    reading_sets: dict[str, set[str]] = {}
    char_pinyin: dict[str, str] = {}
    char_hanviet: dict[str, str] = {}
    preferred: dict[str, tuple[str, str] | None] = {}

    @functools.cache
    def default_py(ch: str) -> str:
        got = pinyin(ch, style=Style.TONE3, heteronym=False)
        return got[0][0] if got and got[0] else ""

    with hanviet_csv.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            ch = row["char"]
            try:
                readings = [_nfc(r).lower() for r in ast.literal_eval(row["hanviet"])]
            except (ValueError, SyntaxError):
                continue
            py = row["pinyin"].strip()
            if py != "*" and py and default_py(ch) == py:
                preferred[ch] = (py, readings[0]) if readings else None
            if py == "*" or not py:
                got = lazy_pinyin(ch, style=Style.NORMAL)
                py = got[0] if got and got[0] != ch else ""
            py = _TONE_RE.sub("", py).replace("u:", "u").replace("ü", "u").replace("v", "u")
            if not py.isalpha():
                continue
            char_pinyin.setdefault(ch, py)
            for r in readings:
                char_hanviet.setdefault(ch, r)
                reading_sets.setdefault(r, set()).add(ch)
    for ch, pref in preferred.items():  # the everyday reading of 上 is thượng/shang, not thướng
        if pref is not None:
            char_pinyin[ch] = _TONE_RE.sub("", pref[0]).replace("u:", "u").replace("v", "u")
            char_hanviet[ch] = pref[1]

    def freq(c: str) -> float:
        return max(zh.get(c, 0.0), ja.get(c, 0.0))

    reading_chars = {r: sorted(cs, key=lambda c: (-freq(c), c)) for r, cs in reading_sets.items()}
    syll: set[str] = set(reading_chars)
    words: set[str] = set()
    if vi_words_path.exists():
        with vi_words_path.open(encoding="utf-8") as fh:
            for line in fh:
                w = _nfc(line.strip()).lower()
                if not w:
                    continue
                parts = w.split()
                syll.update(parts)
                if 2 <= len(parts) <= 3:
                    words.add(w)
    else:
        log.warning(
            "Vietnamese word list not found (%s): duplicate/grammar families degrade", vi_words_path
        )
    en_by_prefix: dict[str, list[str]] = {}
    for w in top_n_list("en", 30000):
        if len(w) >= 5 and w.isascii() and w.isalpha():
            en_by_prefix.setdefault(w[:2], []).append(w)
    log.info(
        "synth resources: %d readings, %d syllables, %d words",
        len(reading_chars),
        len(syll),
        len(words),
    )
    return _Resources(
        reading_chars, char_pinyin, char_hanviet, frozenset(syll), frozenset(words), en_by_prefix
    )


# ------------------------------------------------------------------------ per-sentence


class _Ctx:
    """Tokenised sentence with lazily computed analyses."""

    __slots__ = ("text", "toks", "_names", "_dictwords")

    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]
        self._names: list[tuple[int, int]] | None = None
        self._dictwords: list[tuple[int, int]] | None = None

    def adjacent(self, i: int) -> bool:
        """Token i and i+1 are separated by exactly one space."""
        return (
            i + 1 < len(self.toks)
            and self.toks[i][1] + 1 == self.toks[i + 1][0]
            and self.text[self.toks[i][1]] == " "
        )

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Character span of tokens i..j-1."""
        return self.toks[i][0], self.toks[j - 1][1]

    def words(self, i: int, j: int) -> str:
        return self.text[self.toks[i][0] : self.toks[j - 1][1]]

    def chain(self, i: int, n: int) -> bool:
        """Tokens i..i+n-1 exist and are joined by single spaces."""
        if i < 0 or i + n > len(self.toks):
            return False
        return all(self.adjacent(k) for k in range(i, i + n - 1))


class Synthesizer:
    """Holds settings and loaded resources; :meth:`corrupt` one sentence at a time."""

    def __init__(self, settings: SynthSettings = SynthSettings()) -> None:
        self.settings = settings
        self.res = _load_resources(_resolve(settings.hanviet_csv), _resolve(settings.vi_words))
        weights = {c: float(settings.family_weights.get(c, 0.0)) for c in CATEGORIES}
        self.families = [(c, w) for c, w in weights.items() if w > 0]
        self._propose: dict[str, Callable[[_Ctx, random.Random], list[Edit]]] = {
            "pinyin": self._pinyin,
            "calque_name": self._calque_name,
            "term": self._term,
            "calque": self._calque,
            "english": self._english,
            "date": self._date,
            "duplicate": self._duplicate,
            "grammar": self._grammar,
        }
        self._calque_map = {p.lower(): (p, alts) for p, alts in _CALQUES}
        self._calque_re = _phrase_regex(p for p, _ in _CALQUES)
        self._en_map = {p.lower(): (p, alts) for p, alts in _ENGLISH_SUBS}
        self._en_re = _phrase_regex(p for p, _ in _ENGLISH_SUBS)
        self._jp_sur_list = sorted(_JP_SURNAMES)
        self._jp_given_list = sorted(_JP_GIVEN)

    # ---------------------------------------------------------------- driver
    def corrupt(self, text: str, rng: random.Random) -> SyntheticPair:
        clean = _nfc(text)
        st = self.settings
        if not clean or not self.families or rng.random() >= st.rate:
            return SyntheticPair(clean, clean, ())
        k = rng.randint(1, st.max_corruptions)
        ctx = _Ctx(clean)
        # weighted random order of families (Efraimidis–Spirakis keys)
        order = sorted(self.families, key=lambda cw: rng.random() ** (1.0 / cw[1]), reverse=True)
        chosen: list[Edit] = []
        for cat, _w in order:
            if len(chosen) >= k:
                break
            cands = self._propose[cat](ctx, rng)
            rng.shuffle(cands)
            for e in cands:
                s, t, rep, _ = e
                if not rep or rep == clean[s:t] or rep != rep.strip() or s >= t:
                    continue
                if all(t < s2 or t2 < s for s2, t2, _, _ in chosen):
                    chosen.append((s, t, _nfc(rep), cat))
                    break
        return _apply(clean, chosen)

    # ---------------------------------------------------------------- helpers
    def _vn_names(self, ctx: _Ctx) -> list[tuple[int, int]]:
        """Token ranges [i, j) of Vietnamese person names with Hán-Việt-convertible syllables."""
        if ctx._names is not None:
            return ctx._names
        toks, out = ctx.toks, []
        n, i = len(toks), 0
        readings = self.res.reading_chars
        while i < n:
            if not _is_cap(toks[i][2]):
                i += 1
                continue
            j = i + 1
            while j < n and ctx.adjacent(j - 1) and _is_cap(toks[j][2]):
                j += 1
            run = [t[2].lower() for t in toks[i:j]]
            if (
                2 <= len(run) <= 4
                and " ".join(run[:2]) not in _NOT_NAMES
                and all(r in readings for r in run)
            ):
                before = ctx.text[max(0, toks[i][0] - 25) : toks[i][0]].lower().split()
                prev1 = before[-1] if before else ""
                prev2 = " ".join(before[-2:]) if len(before) >= 2 else ""
                prev3 = " ".join(before[-3:]) if len(before) >= 3 else ""
                if prev1 in _PLACE_PREFIXES or prev2 in _PLACE_PREFIXES or prev1 == "tp.":
                    pass
                elif (
                    run[0] in _SURNAMES_PINYIN
                    or prev1 in _TITLES
                    or prev2 in _TITLES
                    or prev3 in _TITLES
                ):
                    out.append((i, j))
            elif (
                j == i + 1
                and run[0] in readings
                and i > 0
                and ctx.adjacent(i - 1)
                and toks[i - 1][2] in _PERSON_TITLES
            ):
                out.append((i, j))  # "ông Phúc": single given name after a personal title
            i = j
        ctx._names = out
        return out

    def _dict_words(self, ctx: _Ctx) -> list[tuple[int, int]]:
        """Greedy longest-match segmentation: token ranges [i, j) of 2–3 syllable words."""
        if ctx._dictwords is not None:
            return ctx._dictwords
        toks, words, out = ctx.toks, self.res.vi_words, []
        i, n = 0, len(toks)
        while i < n:
            for L in (3, 2):
                if ctx.chain(i, L):
                    w = ctx.words(i, i + L).lower()
                    if w in words:
                        parts = w.split()
                        if parts[0] not in _FUNCTION and parts[-1] not in _FUNCTION:
                            out.append((i, i + L))
                        i += L
                        break
            else:
                i += 1
        ctx._dictwords = out
        return out

    def _syll_pinyin(self, syl: str, first: bool, rng: random.Random) -> str | None:
        if first and syl in _SURNAMES_PINYIN:
            ch = _SURNAMES_PINYIN[syl]
            py = self.res.char_pinyin.get(ch)
            if py:
                return py
        chars = self.res.reading_chars.get(syl)
        if not chars:
            return None
        ch = chars[0] if rng.random() < 0.8 or len(chars) == 1 else rng.choice(chars[:3])
        return self.res.char_pinyin.get(ch)

    def _english_lookalike(self, base: str, rng: random.Random) -> str | None:
        cands = self.res.en_by_prefix.get(base[:2].lower())
        if not cands:
            return None
        return rng.choice(cands[:200]).capitalize()

    # ---------------------------------------------------------------- families
    def _pinyin(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        for i, j in self._vn_names(ctx):
            sylls = [t[2].lower() for t in ctx.toks[i:j]]
            pys = [self._syll_pinyin(s, k == 0, rng) for k, s in enumerate(sylls)]
            if any(p is None for p in pys):
                continue
            pys_s: list[str] = [p for p in pys if p]
            sur, given = pys_s[0].capitalize(), "".join(pys_s[1:]).capitalize()
            u = rng.random()
            if u < 0.6:
                rep = f"{sur} {given}"
            elif u < 0.75:
                rep = " ".join(p.capitalize() for p in pys_s)
            elif u < 0.85:
                rep = "".join(pys_s).capitalize()
            elif u < 0.9:
                rep = f"{given} {sur}"
            else:
                rep = self._english_lookalike("".join(pys_s), rng) or f"{sur} {given}"
            s, t = ctx.span(i, j)
            out.append((s, t, rep, "pinyin"))
        return out

    def _kanji_hv(self, k: str) -> str | None:
        return self.res.char_hanviet.get(_SHINJITAI.get(k, k)) or self.res.char_hanviet.get(k)

    def _kanji_py(self, k: str) -> str | None:
        return self.res.char_pinyin.get(_SHINJITAI.get(k, k)) or self.res.char_pinyin.get(k)

    def _render_kanji(self, k: str, mode: str) -> str:
        hv, en, py = self._kanji_hv(k), _KANJI_EN.get(k), self._kanji_py(k)
        if mode == "hv" and hv:
            return hv.capitalize()
        if mode == "py" and py:
            return py.capitalize()
        return en or (hv.capitalize() if hv else (py or k).capitalize())

    def _render_jp(self, sur: str | None, given: str | None, rng: random.Random) -> str:
        parts: list[str] = []
        if sur is not None:
            kan = _JP_SURNAMES[sur]
            u = rng.random()
            if u < (0.5 if given else 0.0):
                parts.append(sur)
            elif u < 0.7:
                parts.append(" ".join(self._render_kanji(k, "hv") for k in kan))
            elif u < 0.9:
                parts.append(" ".join(self._render_kanji(k, "en") for k in kan))
            else:
                parts.append(" ".join(self._render_kanji(k, rng.choice(("hv", "en"))) for k in kan))
        if given is not None:
            kan = _JP_GIVEN[given]
            u = rng.random()
            if kan in _WORD_EN and u < 0.3:
                g = _WORD_EN[kan]
            elif u < 0.85:
                mode = rng.choices(("en", "hv", "py"), (0.5, 0.3, 0.2))[0]
                g = " ".join(self._render_kanji(k, mode) for k in kan)
            else:
                g = rng.choice(self._jp_sur_list)
            if rng.random() < 0.15:
                g = g.lower()
            parts.append(g)
        if len(parts) == 2 and rng.random() < 0.25:
            parts.reverse()
        return " ".join(parts)

    def _calque_name(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        toks, n, i = ctx.toks, len(ctx.toks), 0
        while i < n:
            w = toks[i][2]
            nxt = toks[i + 1][2] if ctx.adjacent(i) else ""
            sur = given = None
            if w in _JP_GIVEN and nxt in _JP_SURNAMES:
                given, sur, j = w, nxt, i + 2
            elif w in _JP_SURNAMES and nxt in _JP_GIVEN:
                sur, given, j = w, nxt, i + 2
            elif w in _JP_SURNAMES and len(w) >= 4:
                sur, j = w, i + 1
            else:
                i += 1
                continue
            s, t = ctx.span(i, j)
            out.append((s, t, self._render_jp(sur, given, rng), "calque_name"))
            i = j
        if not out and self.settings.substitute_names:
            for i, j in self._vn_names(ctx):
                sur = rng.choice(self._jp_sur_list)
                given = rng.choice(self._jp_given_list) if j - i > 1 else None
                s, t = ctx.span(i, j)
                out.append((s, t, self._render_jp(sur, given, rng), "calque_name"))
        return out

    _PINYINISH = (
        (re.compile(r"io"), "o"),
        (re.compile(r"in$"), "ian"),
        (re.compile(r"ia"), "a"),
        (re.compile(r"c(?=[aou])"), "k"),
        (re.compile(r"ph"), "f"),
        (re.compile(r"th"), "t"),
        (re.compile(r"v"), "w"),
        (re.compile(r"r"), "l"),
        (re.compile(r"tion"), "xiong"),
        (re.compile(r"x"), "rc"),
        (re.compile(r"er$"), "e"),
        (re.compile(r"ng?ton"), "dun"),
    )

    def _mangle(self, w: str, rng: random.Random) -> str:
        low = w.lower()
        for _ in range(6):
            op = rng.random()
            m = low
            if op < 0.25:
                m = low[:-1]
            elif op < 0.4:
                p = rng.randrange(1, len(low) - 1)
                m = low[:p] + low[p + 1 :]
            elif op < 0.55:
                p = rng.randrange(1, len(low))
                m = low[:p] + rng.choice("rnaeo") + low[p:]
            elif op < 0.65:
                p = rng.randrange(1, len(low) - 1)
                m = low[:p] + low[p + 1] + low[p] + low[p + 2 :]
            else:
                rules = [r for r in self._PINYINISH if r[0].search(low)]
                if rules:
                    for rx, sub in rng.sample(rules, min(len(rules), rng.randint(1, 2))):
                        m = rx.sub(sub, m, count=1)
            if m != low and len(m) >= 3:
                break
        else:
            m = low[:-1]
        if w.isupper() and len(w) > 1:
            return m.upper()
        if w[0].isupper() or rng.random() < 0.5:
            return m.capitalize()
        return m

    def _term(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        syl = self.res.vi_syllables
        for s, t, w in ctx.toks:
            if len(w) < 4 or not w.isascii() or not w.isalpha():
                continue
            low = w.lower()
            if low in _KNOWN_TERMS or (low not in syl and not (w.isupper() and len(w) <= 5)):
                if w in _JP_SURNAMES or w in _JP_GIVEN:
                    continue
                out.append((s, t, self._mangle(w, rng), "term"))
        return out

    def _calque(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        for m in self._calque_re.finditer(ctx.text):
            found = m.group()
            entry = self._calque_map.get(found.lower())
            if entry is None or not _case_ok(found, entry[0]):
                continue
            rep = rng.choice(entry[1])
            if not found.isupper():  # acronyms (CSGT, UBND) keep the table's case
                # sentence start: capitalise; lowercase match: lowercase; else the table's case
                # (mid-sentence "Thượng tướng" → "trên tướng", as in the seeds)
                if _sentence_start(ctx.text, m.start()):
                    rep = rep[0].upper() + rep[1:]
                elif found[:1].islower():
                    rep = rep[0].lower() + rep[1:]
            out.append((m.start(), m.end(), rep, "calque"))
        return out

    def _english(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        out: list[Edit] = []
        for m in self._en_re.finditer(ctx.text):
            found = m.group()
            entry = self._en_map.get(found.lower())
            if entry is None or not _case_ok(found, entry[0]):
                continue
            out.append((m.start(), m.end(), _match_case(found, rng.choice(entry[1])), "english"))
        toks = ctx.toks
        if len(toks) >= 4:
            # insertions: "the Bộ Quốc phòng", "cho biết on Monday,", "... hợp tác, etc."
            text = ctx.text
            caps = [
                k
                for k in range(1, len(toks))
                if _is_cap(toks[k][2]) and not _is_cap(toks[k - 1][2])
            ]
            if caps:
                s, t, w = toks[rng.choice(caps)]
                out.append((s, t, f"{rng.choice(('the', 'the', 'a', 'of the'))} {w}", "english"))
            before_punct = [
                k for k in range(1, len(toks)) if text[toks[k][1] : toks[k][1] + 1] in ",;"
            ]
            if before_punct:
                s, t, w = toks[rng.choice(before_punct)]
                out.append((s, t, f"{w} {rng.choice(_ENGLISH_INSERTS)}", "english"))
            s, t, w = toks[-1]
            if text[t:].strip() in (".", "") and w.isalpha():
                out.append((s, t, f"{w}, {rng.choice(_ENGLISH_TAILS)}", "english"))
        return out

    _DATE_NUM = re.compile(
        r"(?<!\w)(?:(?:vào )?(ngày|hôm|sáng|chiều|tối|trưa|đêm) )?"
        r"(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}))?(?![\w/-])",
        re.IGNORECASE,
    )
    _DATE_WORD = re.compile(
        r"(?<!\w)(?:vào )?ngày (\d{1,2}) tháng (\d{1,2})(?: năm (\d{4}))?(?!\w)", re.IGNORECASE
    )
    _MONTH_YEAR = re.compile(
        r"(?<!\w)tháng (\d{1,2})(?: năm (\d{4})|/(\d{4}))?(?!\w)", re.IGNORECASE
    )
    _RELATIVE = _phrase_regex(_RELATIVE_EN)
    _CLOCK = re.compile(r"(?<!\w)(?:lúc )?(\d{1,2})h(?:(\d{2}))?(?!\w)")
    _WEEKDAY = re.compile(
        r"(?<!\w)(?:thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|[Cc]hủ [Nn]hật)(?!\w)", re.IGNORECASE
    )

    def _fmt_date(self, d: int, mo: int, y: str | None, on: bool, rng: random.Random) -> str:
        month = _MONTHS[mo - 1]
        forms = [f"{month} {d}", f"{_MONTHS_ABBR[mo - 1]} {d}", f"{d} {month}", f"{month} {d}"]
        core = rng.choice(forms)
        if y:
            core = f"{core}, {y}" if core[0].isalpha() else f"{core} {y}"
        if on or rng.random() < 0.25:
            core = "on " + core
        return core

    def _date(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        text, out = ctx.text, []
        if (
            not any(ch.isdigit() for ch in text)
            and "thứ" not in text.lower()
            and "chủ nhật" not in text.lower()
        ):
            return out
        taken: list[tuple[int, int]] = []
        for m in self._DATE_WORD.finditer(text):
            d, mo = int(m.group(1)), int(m.group(2))
            if 1 <= d <= 31 and 1 <= mo <= 12:
                on = m.group().lower().startswith("vào")
                out.append((m.start(), m.end(), self._fmt_date(d, mo, m.group(3), on, rng), "date"))
                taken.append(m.span())
        for m in self._DATE_NUM.finditer(text):
            d, mo = int(m.group(2)), int(m.group(3))
            if not (1 <= d <= 31 and 1 <= mo <= 12) or not (m.group(1) or m.group(4)):
                continue
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            pre = (m.group(1) or "").lower()
            start = m.start()
            if (
                pre and pre != "ngày" and pre != "hôm"
            ):  # keep "sáng"/"chiều": replace only the number
                start = m.start(2)
            out.append(
                (
                    start,
                    m.end(),
                    self._fmt_date(d, mo, m.group(4), m.group().lower().startswith("vào"), rng),
                    "date",
                )
            )
            taken.append(m.span())
        for m in self._MONTH_YEAR.finditer(text):
            mo = int(m.group(1))
            if not 1 <= mo <= 12 or any(a < m.end() and m.start() < b for a, b in taken):
                continue
            y = m.group(2) or m.group(3)
            if not y and rng.random() < 0.5:
                continue
            rep = _MONTHS[mo - 1] + (f" {y}" if y else "")
            if rng.random() < 0.3:
                rep = "in " + rep
            out.append((m.start(), m.end(), rep, "date"))
        for m in self._RELATIVE.finditer(text):
            found = m.group()
            rep = _RELATIVE_EN[found.lower()]
            out.append((m.start(), m.end(), _match_case(found, rng.choice(rep)), "date"))
        for m in self._CLOCK.finditer(text):
            h, mi = int(m.group(1)), m.group(2)
            if h > 24:
                continue
            hh = h % 12 or 12
            ampm = "a.m." if h < 12 else "p.m."
            forms = (f"{h:02d}:{mi or '00'}", f"{hh}{':' + mi if mi else ''} {ampm}")
            rep = rng.choice(forms)
            out.append(
                (m.start(), m.end(), ("at " + rep) if m.group().startswith("lúc") else rep, "date")
            )
        for m in self._WEEKDAY.finditer(text):
            g = m.group(1)
            if g is not None and not m.group()[4:5].isupper():
                continue  # "thứ hai" lowercase is usually "second"
            day = _WEEKDAYS[g.capitalize()] if g else "Sunday"
            out.append((m.start(), m.end(), rng.choice((day, day, "on " + day)), "date"))
        return out

    def _units(self, ctx: _Ctx) -> dict[int, list[int]]:
        """Start token → end tokens of phrase units (dictionary words, capitalised runs)."""
        units: dict[int, list[int]] = {}
        for i, j in self._dict_words(ctx):
            units.setdefault(i, []).append(j)
        toks = ctx.toks
        i = 0
        while i < len(toks):
            if _is_cap(toks[i][2]):
                j = i + 1
                while j < len(toks) and j - i < 3 and ctx.adjacent(j - 1) and _is_cap(toks[j][2]):
                    j += 1
                if j - i >= 2:
                    units.setdefault(i, []).append(j)
                i = j
            else:
                i += 1
        return units

    def _duplicate(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        toks, out = ctx.toks, []
        units = self._units(ctx)
        ends = {j: i for i, js in units.items() for j in js}
        coord: list[Edit] = []
        for k, (_s, _t, w) in enumerate(toks):
            if (
                w in ("và", "lẫn", "với", "hoặc")
                and k in ends
                and ctx.adjacent(k - 1)
                and ctx.adjacent(k)
                and k + 1 in units
            ):
                a_i = ends[k]
                b_j = units[k + 1][0]
                a = ctx.words(a_i, k)
                b = ctx.words(k + 1, b_j)
                if a.lower() != b.lower():
                    s, t = ctx.span(a_i, b_j)
                    coord.append((s, t, f"{a} {w} {a}", "duplicate"))
        if coord and rng.random() < 0.6:
            return coord
        for i, js in units.items():
            j = js[0]
            s, t = ctx.span(i, j)
            w = ctx.text[s:t]
            u = rng.random()
            if u < 0.5:
                rep = f"{w} và {w}"
            elif u < 0.7:
                rep = f"cả {w} lẫn {w}" if s > 0 else f"Cả {w} lẫn {w}"
            elif u < 0.85:
                rep = f"{w}, {w}"
            else:
                rep = f"{w} {w}"
            out.append((s, t, rep, "duplicate"))
        for s, t, w in toks:
            if w in ("và", "của", "các") and rng.random() < 0.3:
                out.append((s, t, f"{w} {w}", "duplicate"))
        return out + coord

    def _grammar(self, ctx: _Ctx, rng: random.Random) -> list[Edit]:
        toks, out = ctx.toks, []
        dw = self._dict_words(ctx)
        by_start = {i: j for i, j in dw}
        ends = {j: i for i, j in dw}
        for i, j in dw:
            # modifier swap: "hợp tác quốc phòng" → "quốc phòng hợp tác"
            if j in by_start and ctx.adjacent(j - 1):
                k = by_start[j]
                s, t = ctx.span(i, k)
                a, b = ctx.words(i, j), ctx.words(j, k)
                out.append((s, t, _reorder(b, a, s == 0), "grammar"))
            # inserted sự / việc / các
            if (
                i > 0
                and ctx.adjacent(i - 1)
                and toks[i - 1][2].lower()
                in ("rằng", "về", "cho", "của", "và", "để", "trong", "đến", "là")
            ):
                s, t = ctx.span(i, j)
                out.append(
                    (s, t, f"{rng.choice(('sự', 'sự', 'việc', 'các'))} {ctx.text[s:t]}", "grammar")
                )
            # "đã W" → "đã W được"
            if i > 0 and ctx.adjacent(i - 1) and toks[i - 1][2] == "đã":
                s, t = ctx.span(i, j)
                out.append((s, t, f"{ctx.text[s:t]} được", "grammar"))
        for k, (_s, _t, w) in enumerate(toks):
            if (
                w == "của"
                and k in ends
                and k + 1 in by_start
                and ctx.adjacent(k - 1)
                and ctx.adjacent(k)
            ):
                # possessive reversal: "vai trò của quân đội" → "quân đội của vai trò"
                a_i, b_j = ends[k], by_start[k + 1]
                a, b = ctx.words(a_i, k), ctx.words(k + 1, b_j)
                s, t = ctx.span(a_i, b_j)
                out.append((s, t, _reorder(b, f"của {a}", s == 0), "grammar"))
            elif (
                w.lower() in _CLASSIFIERS
                and k > 0
                and k + 1 < len(toks)
                and toks[k - 1][2].lower() in _QUANT
                and ctx.adjacent(k - 1)
                and ctx.adjacent(k)
            ):
                s, t = ctx.span(k - 1, k + 2)
                out.append((s, t, f"{toks[k - 1][2]} {toks[k + 1][2]}", "grammar"))
            elif w == "rằng" and k + 1 in by_start and ctx.adjacent(k):
                j = by_start[k + 1]
                s, t = ctx.span(k, j)
                out.append((s, t, f"{ctx.words(k + 1, j)} rằng", "grammar"))
            elif (
                k > 0
                and ctx.text[toks[k - 1][1] : toks[k][0]] == ", "
                and w.islower()
                and k in by_start
            ):
                s, t = ctx.span(k, by_start[k])
                out.append((s, t, f"đó là {ctx.text[s:t]}", "grammar"))
        # possessive "của" insertion between two dictionary words
        for i, j in dw:
            if j in by_start and ctx.adjacent(j - 1) and rng.random() < 0.3:
                k = by_start[j]
                s, t = ctx.span(i, k)
                out.append((s, t, f"{ctx.words(i, j)} của {ctx.words(j, k)}", "grammar"))
        return out


def _apply(clean: str, edits: list[Edit]) -> SyntheticPair:
    if not edits:
        return SyntheticPair(clean, clean, ())
    edits = sorted(edits)
    parts: list[str] = []
    spans: list[Span] = []
    pos = shift = 0
    for s, t, rep, cat in edits:
        parts.append(clean[pos:s])
        parts.append(rep)
        cs = s + shift
        spans.append(Span(cs, cs + len(rep), cat, rep, clean[s:t]))
        shift += len(rep) - (t - s)
        pos = t
    parts.append(clean[pos:])
    return SyntheticPair(clean, "".join(parts), tuple(spans))


def japanese_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Correctly romanised Japanese (given names, surnames) of the calque table: the detector
    trains on them in clean sentences so that only their calques look suspicious."""
    return tuple(sorted(_JP_GIVEN)), tuple(sorted(_JP_SURNAMES))


def get_synthesizer(settings: SynthSettings = SynthSettings()) -> Synthesizer:
    """A Synthesizer for these settings (resources are cached across instances)."""
    return Synthesizer(settings)


def corrupt(text: str, rng: random.Random, synth: Synthesizer | None = None) -> SyntheticPair:
    """Corrupt one sentence with the given random generator (default settings if no synth)."""
    return (synth or Synthesizer()).corrupt(text, rng)


def generate(
    sentences: Iterable[str], settings: SynthSettings = SynthSettings()
) -> Iterator[SyntheticPair]:
    """Corrupt a stream of clean sentences; deterministic for a given seed and input order."""
    synth = Synthesizer(settings)
    base = (settings.seed & 0xFFFFFFFF) << 40
    for i, sent in enumerate(sentences):
        yield synth.corrupt(sent, random.Random(base + i))


def _iter_corpus(path: Path) -> Iterator[str]:
    import gzip
    import json

    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            yield json.loads(line)["text"]


if __name__ == "__main__":
    import itertools
    import sys

    logging.basicConfig(level=logging.INFO)
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    dev = _resolve(Path("../shared/data/corpus/dev.jsonl.gz"))
    pairs = generate(
        _iter_corpus(dev),
        SynthSettings(seed=int(sys.argv[2]) if len(sys.argv) > 2 else 0, rate=1.0),
    )
    for p in itertools.islice(pairs, n):
        print("CLEAN:", p.clean)
        print("CORR: ", p.corrupted)
        for sp in p.spans:
            print(f"   [{sp.category}] {sp.original!r} -> {sp.text!r}")
        print()
