//! Token estimates: about four bytes per token, the estimate the agent itself uses for its
//! context window. Budgets are in these estimated tokens.

/// The report's default budget: 10,000 estimated tokens.
pub const DEFAULT_BUDGET_TOKENS: usize = 10_000;

/// Bytes per estimated token.
const BYTES_PER_TOKEN: usize = 4;

/// Estimated tokens of `text`: its length in bytes over four, rounded up.
pub fn estimate_tokens(text: &str) -> usize {
    text.len().div_ceil(BYTES_PER_TOKEN)
}

/// Estimated tokens of `bytes` bytes of text.
pub fn tokens_of_bytes(bytes: u64) -> u64 {
    bytes.div_ceil(BYTES_PER_TOKEN as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_bytes_a_token() {
        assert_eq!(estimate_tokens(""), 0);
        assert_eq!(estimate_tokens("abcd"), 1);
        assert_eq!(estimate_tokens("abcde"), 2);
        assert_eq!(tokens_of_bytes(4_000), 1_000);
    }
}
