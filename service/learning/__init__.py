"""The learning loop: loss reviews, customer feedback, win stories, strengths, badges,
rising stars and exports. Every write goes through ``Ledger.record``."""
