"""The small-enterprise statements from account balances — 资产负债表 (会小企01) and 利润表 (会小企02).
Pure: no database; amounts in integer fen.

Line items and 行次 are those of 小企业会计准则 (财会〔2011〕17号) 附录. Each account lands on a line by
its first-level code (a sub-account with its parent); an account the standard has no line for lands
by its class on the nearest catch-all (其他流动资产, 其他流动负债, 未分配利润; 营业外收入/支出), so
that every balance is shown once and the sheet balances whatever the chart holds.

往来 are grossed up by party (小企业会计准则 第81条 and the 报表说明): 应收账款 = the debit balances
of 1122's parties + those of 2203 预收账款; 预收账款 = the credit balances of 2203's + 1122's;
预付账款 = debit balances of 1123 + 2202; 应付账款 = credit balances of 2202 + 1123; 其他应收款 and
其他应付款 likewise over 1221 and 2241. Not yet carried 损益类 balances (a month before its
期末结转) are shown in 未分配利润, so the sheet balances before the carry-forward too.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping

# --- 资产负债表 (会小企01) ------------------------------------------------------------------------

#: (行次, 项目, indent) — indent 0 a line, 1 an 其中 line, "total" a subtotal computed from others
ASSET_LINES: list[tuple[int, str, int]] = [
    (1, "货币资金", 0), (2, "短期投资", 0), (3, "应收票据", 0), (4, "应收账款", 0), (5, "预付账款", 0),
    (6, "应收股利", 0), (7, "应收利息", 0), (8, "其他应收款", 0), (9, "存货", 0), (10, "其中：原材料", 1),
    (11, "在产品", 1), (12, "库存商品", 1), (13, "周转材料", 1), (14, "其他流动资产", 0), (15, "流动资产合计", 2),
    (16, "长期债券投资", 0), (17, "长期股权投资", 0), (18, "固定资产原价", 0), (19, "减：累计折旧", 0),
    (20, "固定资产账面价值", 0), (21, "在建工程", 0), (22, "工程物资", 0), (23, "固定资产清理", 0),
    (24, "生产性生物资产", 0), (25, "无形资产", 0), (26, "开发支出", 0), (27, "长期待摊费用", 0),
    (28, "其他非流动资产", 0), (29, "非流动资产合计", 2), (30, "资产总计", 3),
]
LIABILITY_LINES: list[tuple[int, str, int]] = [
    (31, "短期借款", 0), (32, "应付票据", 0), (33, "应付账款", 0), (34, "预收账款", 0), (35, "应付职工薪酬", 0),
    (36, "应交税费", 0), (37, "应付利息", 0), (38, "应付利润", 0), (39, "其他应付款", 0), (40, "其他流动负债", 0),
    (41, "流动负债合计", 2), (42, "长期借款", 0), (43, "长期应付款", 0), (44, "递延收益", 0), (45, "其他非流动负债", 0),
    (46, "非流动负债合计", 2), (47, "负债合计", 3), (48, "实收资本（或股本）", 0), (49, "资本公积", 0),
    (50, "盈余公积", 0), (51, "未分配利润", 0), (52, "所有者权益（或股东权益）合计", 3),
    (53, "负债和所有者权益（或股东权益）总计", 3),
]
#: sections printed above a line: 行次 → heading
SECTIONS = {1: "流动资产：", 16: "非流动资产：", 31: "流动负债：", 42: "非流动负债：", 48: "所有者权益（或股东权益）："}

#: first-level code → 行次 of an asset-side line (the balance debit-positive)
ASSET_CODES = {
    "1001": 1, "1002": 1, "1012": 1, "1101": 2, "1121": 3, "1131": 6, "1132": 7,
    "1401": 9, "1402": 9, "1403": 10, "1404": 9, "1405": 12, "1407": 9, "1408": 9, "1411": 13, "1421": 9,
    "4001": 11, "4002": 9, "4101": 9, "4401": 9, "4403": 9,
    "1501": 16, "1511": 17, "1601": 18, "1604": 21, "1605": 22, "1606": 23, "1621": 24, "1701": 25,
    "4301": 26, "1801": 27, "1901": 28,
}
#: first-level code → 行次 of an asset-side line shown as a deduction (a credit balance, shown positive)
CONTRA_ASSET_CODES = {"1602": 19, "1622": 24, "1702": 25}
#: first-level code → 行次 of a liability or equity line (the balance credit-positive)
CREDIT_CODES = {
    "2001": 31, "2201": 32, "2211": 35, "2221": 36, "2231": 37, "2232": 38, "2401": 44, "2501": 42, "2701": 43,
    "3001": 48, "3002": 49, "3101": 50, "3103": 51, "3104": 51,
}
#: 往来 grossed up by party: code → (行次 of a party's debit balance, 行次 of a party's credit balance)
GROSSED_UP = {"1122": (4, 34), "2203": (4, 34), "1123": (5, 33), "2202": (5, 33), "1221": (8, 39),
              "2241": (8, 39)}
#: the 其中 lines of 存货 (9): shown, not added again
INVENTORY_DETAIL = (10, 11, 12, 13)
CURRENT_ASSETS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 14)
NON_CURRENT_ASSETS = (16, 17, 20, 21, 22, 23, 24, 25, 26, 27, 28)
CURRENT_LIABILITIES = (31, 32, 33, 34, 35, 36, 37, 38, 39, 40)
NON_CURRENT_LIABILITIES = (42, 43, 44, 45)
EQUITY = (48, 49, 50, 51)


@dataclass(frozen=True)
class Balance:
    """One account's (and party's) debit-positive balance in fen."""

    code: str
    fen: int
    party: str | None = None


@dataclass(frozen=True)
class StatementLine:
    row: int
    name: str
    #: 0 a line, 1 an 其中 line, 2 a subtotal, 3 a total
    indent: int
    #: 资产负债表: 期末余额; 利润表: 本月金额
    current: int
    #: 资产负债表: 年初余额; 利润表: 本年累计金额
    previous: int
    section: str = ""


@dataclass
class BalanceSheet:
    assets: list[StatementLine]
    liabilities: list[StatementLine]

    def figure(self, row: int) -> tuple[int, int]:
        for line in self.assets + self.liabilities:
            if line.row == row:
                return line.current, line.previous
        raise KeyError(row)

    @property
    def balanced(self) -> bool:
        return self.figure(30) == self.figure(53)


def balance_sheet_figures(balances: Iterable[Balance]) -> dict[int, int]:
    """行次 → amount in fen at one date, from every account's balance (per party where it has one)."""
    lines = {row: 0 for row, _name, _indent in ASSET_LINES + LIABILITY_LINES}
    per_account: dict[tuple[str, str | None], int] = {}
    for balance in balances:
        key = (balance.code, balance.party)
        per_account[key] = per_account.get(key, 0) + balance.fen
    for (code, _party), fen in per_account.items():
        top = code[:4]
        if top in GROSSED_UP:
            debit_row, credit_row = GROSSED_UP[top]
            if fen > 0:
                lines[debit_row] += fen
            else:
                lines[credit_row] -= fen
        elif top in ASSET_CODES:
            lines[ASSET_CODES[top]] += fen
        elif top in CONTRA_ASSET_CODES:
            lines[CONTRA_ASSET_CODES[top]] -= fen
        elif top in CREDIT_CODES:
            lines[CREDIT_CODES[top]] -= fen
        elif top[:1] in ("1", "4"):
            lines[9 if top[:1] == "4" else 14] += fen
        elif top[:1] == "2":
            lines[40] -= fen
        else:  # other equity, and 损益类 not carried forward yet
            lines[51] -= fen
    # 存货 holds its 其中 lines; 固定资产账面价值 = 原价 − 累计折旧; contra accounts net their asset
    lines[9] += sum(lines[row] for row in INVENTORY_DETAIL)
    lines[20] = lines[18] - lines[19]
    lines[15] = sum(lines[row] for row in CURRENT_ASSETS)
    lines[29] = sum(lines[row] for row in NON_CURRENT_ASSETS)
    lines[30] = lines[15] + lines[29]
    lines[41] = sum(lines[row] for row in CURRENT_LIABILITIES)
    lines[46] = sum(lines[row] for row in NON_CURRENT_LIABILITIES)
    lines[47] = lines[41] + lines[46]
    lines[52] = sum(lines[row] for row in EQUITY)
    lines[53] = lines[47] + lines[52]
    return lines


def balance_sheet(closing: Iterable[Balance], opening: Iterable[Balance]) -> BalanceSheet:
    """会小企01 with 期末余额 (``closing``) and 年初余额 (``opening``: the balances at the end of the
    previous year)."""
    end, start = balance_sheet_figures(closing), balance_sheet_figures(opening)

    def lines(spec: list[tuple[int, str, int]]) -> list[StatementLine]:
        return [StatementLine(row, name, indent, end[row], start[row], SECTIONS.get(row, ""))
                for row, name, indent in spec]

    return BalanceSheet(assets=lines(ASSET_LINES), liabilities=lines(LIABILITY_LINES))


# --- 利润表 (会小企02) ----------------------------------------------------------------------------

INCOME_LINES: list[tuple[int, str, int]] = [
    (1, "一、营业收入", 0), (2, "减：营业成本", 0), (3, "税金及附加", 0), (4, "其中：消费税", 1), (5, "营业税", 1),
    (6, "城市维护建设税", 1), (7, "资源税", 1), (8, "土地增值税", 1), (9, "城镇土地使用税、房产税、车船税、印花税", 1),
    (10, "教育费附加、矿产资源补偿费、排污费", 1), (11, "销售费用", 0), (12, "其中：商品维修费", 1),
    (13, "广告费和业务宣传费", 1), (14, "管理费用", 0), (15, "其中：开办费", 1), (16, "业务招待费", 1),
    (17, "研究费用", 1), (18, "财务费用", 0), (19, "其中：利息费用（收入以“-”号填列）", 1),
    (20, "加：投资收益（损失以“-”号填列）", 0), (21, "二、营业利润（亏损以“-”号填列）", 3), (22, "加：营业外收入", 0),
    (23, "其中：政府补助", 1), (24, "减：营业外支出", 0), (25, "其中：坏账损失", 1), (26, "无法收回的长期债券投资损失", 1),
    (27, "无法收回的长期股权投资损失", 1), (28, "自然灾害等不可抗力因素造成的损失", 1), (29, "税收滞纳金", 1),
    (30, "三、利润总额（亏损总额以“-”号填列）", 3), (31, "减：所得税费用", 0), (32, "四、净利润（净亏损以“-”号填列）", 3),
]
#: first-level code → 行次; the line shows income credit-positive (1, 20, 22) or expense debit-positive
INCOME_CODES = {"5001": 1, "5051": 1, "5111": 20, "5301": 22, "5401": 2, "5402": 2, "5403": 3, "5601": 11,
                "5602": 14, "5603": 18, "5711": 24, "5801": 31}
#: second two digits of a 损益类 code the standard has no line for → the line it falls to
INCOME_FALLBACK = {"50": 1, "51": 20, "53": 22, "54": 2, "56": 14, "57": 24, "58": 31}
INCOME_ROWS = (1, 20, 22)
NET_PROFIT = 32


@dataclass
class IncomeStatement:
    lines: list[StatementLine] = field(default_factory=list)

    def figure(self, row: int) -> tuple[int, int]:
        """(本月金额, 本年累计金额) of a line."""
        for line in self.lines:
            if line.row == row:
                return line.current, line.previous
        raise KeyError(row)

    @property
    def net_profit(self) -> tuple[int, int]:
        return self.figure(NET_PROFIT)


def income_row(code: str) -> int:
    top = code[:4]
    return INCOME_CODES.get(top) or INCOME_FALLBACK.get(top[:2], 24)


def income_figures(movements: Mapping[str, int]) -> dict[int, int]:
    """行次 → amount in fen from the 损益类 accounts' debit-positive movements over a span (without the
    carry-forward vouchers, which would net them to zero)."""
    lines = {row: 0 for row, _name, _indent in INCOME_LINES}
    for code, fen in movements.items():
        row = income_row(code)
        lines[row] += -fen if row in INCOME_ROWS else fen
    lines[21] = lines[1] - lines[2] - lines[3] - lines[11] - lines[14] - lines[18] + lines[20]
    lines[30] = lines[21] + lines[22] - lines[24]
    lines[32] = lines[30] - lines[31]
    return lines


def income_statement(month: Mapping[str, int], year: Mapping[str, int]) -> IncomeStatement:
    """会小企02 with 本月金额 (``month``'s movements) and 本年累计金额 (``year``'s, January to the month).
    The second figure is held in ``StatementLine.previous``."""
    this_month, this_year = income_figures(month), income_figures(year)
    return IncomeStatement([StatementLine(row, name, indent, this_month[row], this_year[row])
                            for row, name, indent in INCOME_LINES])
