"""All models. Importing this package registers every table on ``db.metadata``."""
from .base import Base, db, utcnow  # noqa: F401
from . import users, places, catalogue, produce, contracts, weighing, audit, orders, ledger, fulfilment, settlement, payments, stock, adjustments, reversals  # noqa: F401
from .users import ApiToken, Role, RoleName, User  # noqa: F401
from .audit import AuditEvent, IdempotencyRecord  # noqa: F401
from .places import (Household, PartyBranch, PartyGroup, PayeeChange, PayeeChangeStatus, PayoutMethod, Village,  # noqa: F401
                     VillageGroup)
from .catalogue import Grade, GradeTable, Product, Variety  # noqa: F401
from .produce import LotPhoto, LotStatus, ProduceLot, QuantityUnit  # noqa: F401
from .contracts import (  # noqa: F401
    ContractGradePrice, ContractPrepayment, ContractStatus, MarketQuote, PrepaymentKind,
    PriceMechanism, PurchaseContract,
)
from .weighing import DeductionKind, SlipStatus, WeighSlip, WeighSlipLine  # noqa: F401
from .orders import (  # noqa: F401
    Allocation, AllocationPolicy, AllocationRun, Buyer, BuyerOrder, OrderGradePrice, OrderStatus,
    RejectPolicy, RunStatus, SaleMode,
)
from .fulfilment import (  # noqa: F401
    AllocationClosure, Certificate, CertificateBasis, CertificateLot, CertificateParent, CrateLabel, FieldReject,
    Receipt, ReceiptOutcome, Shipment,
)
from .ledger import (  # noqa: F401
    Account, AccountKind, PartyType, Period, PeriodBalance, PeriodStatus, Voucher, VoucherLine, VoucherSource, VoucherStatus,
)
from .settlement import (  # noqa: F401
    PurchaseInvoice, Settlement, SettlementHousehold, SettlementItem, SettlementKind, SettlementStatus, Supplier, settlement_shipments, settlement_slips,
    SETTLEMENT_COUNTING, SETTLEMENT_IN_BOOKS,
)
from .payments import (  # noqa: F401
    LARGE_PAYOUT, DepositClosure, DepositOutcome, InputCredit, Payment, PaymentApplication, PaymentBatch, PaymentKind,
)
from .stock import (  # noqa: F401
    LossKind, OrderStockLine, StockCount, StockCountLine, StockCountStatus, StockMovement, StockMovementKind,
)
from .adjustments import Adjustment, AdjustmentKind, AdjustmentStatus  # noqa: F401
from .reversals import CarriedPayment, ReversalStatus, SettlementReversal, reversal_slips  # noqa: F401
