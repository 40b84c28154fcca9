"""JSON shapes of the books, one module per book: the ledger's accounts, periods and vouchers
(``ledger``), the trial balance, 增值税 summary and 明细账 (``balances``), statements and ageing
(``statements``) and the period-end books (``period_end``); the fields they share in ``fields``.
Money travels as a string with two decimals (元), weights with three (公斤); never as a float."""
from __future__ import annotations

from .ledger import (AccountSchema, AccountCreateSchema, AccountUpdateSchema, PeriodSchema,
                     PeriodCreateSchema, PeriodReasonSchema, VoucherLineSchema, VoucherSchema,
                     VoucherListArgsSchema, VoucherLineCreateSchema, VoucherCreateSchema, VoucherReasonSchema,
                     ReversalCreateSchema)
from .balances import (TrialBalanceArgsSchema, TrialRowSchema, TrialTotalsSchema, TrialBalanceSchema,
                       VatRateRowSchema, VatExemptRowSchema, VatInputSchema, VatSummarySchema,
                       LedgerArgsSchema, LedgerEntrySchema, AccountLedgerSchema)
from .statements import (RangeArgsSchema, StatementDeliverySchema, StatementDeductionSchema,
                         StatementPaymentSchema, StatementCorrectionSchema, StatementAllowanceSchema,
                         StatementPendingSchema, HouseholdStatementSchema, AsOfArgsSchema, ReceivableSchema,
                         BuyerStatementSchema, AgeingRowSchema, AgeingSchema)
from .period_end import (StatementLineSchema, IncomeLineSchema, IncomeStatementSchema, BalanceLineSchema,
                         BalanceSheetSchema, JournalArgsSchema, JournalEntrySchema, JournalDaySchema,
                         JournalSchema, PartyBalancesArgsSchema, PartyBalanceRowSchema, PartyBalancesSchema)

__all__ = [
    "AccountSchema", "AccountCreateSchema", "AccountUpdateSchema", "PeriodSchema", "PeriodCreateSchema",
    "PeriodReasonSchema", "VoucherLineSchema", "VoucherSchema", "VoucherListArgsSchema",
    "VoucherLineCreateSchema", "VoucherCreateSchema", "VoucherReasonSchema", "ReversalCreateSchema",
    "TrialBalanceArgsSchema", "TrialRowSchema", "TrialTotalsSchema", "TrialBalanceSchema",
    "VatRateRowSchema", "VatExemptRowSchema", "VatInputSchema", "VatSummarySchema", "LedgerArgsSchema",
    "LedgerEntrySchema", "AccountLedgerSchema", "RangeArgsSchema", "StatementDeliverySchema",
    "StatementDeductionSchema", "StatementPaymentSchema", "StatementCorrectionSchema",
    "StatementAllowanceSchema", "StatementPendingSchema", "HouseholdStatementSchema", "AsOfArgsSchema",
    "ReceivableSchema", "BuyerStatementSchema", "AgeingRowSchema", "AgeingSchema", "StatementLineSchema",
    "IncomeLineSchema", "IncomeStatementSchema", "BalanceLineSchema", "BalanceSheetSchema",
    "JournalArgsSchema", "JournalEntrySchema", "JournalDaySchema", "JournalSchema",
    "PartyBalancesArgsSchema", "PartyBalanceRowSchema", "PartyBalancesSchema"
]
