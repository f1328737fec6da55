"""The wallet: the double-entry ledger of customer and system accounts, holds and balances.

Money moves only through walletdesk.wallet.service; walletdesk.wallet.verify checks the books.
"""
