//! HighLevel ("GHL"), the CRM (facts in `docs/GHL.md`): webhook signature checks, tolerant
//! payload parsing, the outbound actions and how they map to API calls, the API client and the
//! shared limiter that keeps us under HighLevel's burst limit.

pub mod client;
pub mod delivery;
pub mod outbound;
pub mod payload;
pub mod rate;
pub mod signature;
