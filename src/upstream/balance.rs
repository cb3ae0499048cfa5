//! Smooth weighted round robin, the algorithm nginx uses.
//!
//! Each server has a weight `w` and a running score `current`. To pick:
//! add every server's weight to its score, choose the highest score, and
//! subtract the total weight from the winner. With weights 5, 1, 1 this
//! yields `a a b a c a a` — the heavy server's turns are spread out instead of
//! bunched (`a a a a a b c`), so no server gets a burst. With equal weights
//! it is plain round robin.
//!
//! The state is a few integers under a mutex held for one pass over them.

use std::sync::Mutex;

/// The balancer state.
#[derive(Debug)]
pub struct SmoothWeighted {
    weights: Vec<i64>,
    current: Mutex<Vec<i64>>,
}

impl SmoothWeighted {
    /// A balancer over servers with these weights (0 is treated as 1).
    pub fn new(weights: &[u32]) -> Self {
        let weights: Vec<i64> = weights.iter().map(|&w| i64::from(w.max(1))).collect();
        let current = Mutex::new(vec![0; weights.len()]);
        SmoothWeighted { weights, current }
    }

    /// The index of the next server, `None` when there are none.
    pub fn next(&self) -> Option<usize> {
        if self.weights.len() <= 1 {
            return if self.weights.is_empty() {
                None
            } else {
                Some(0)
            };
        }
        let total: i64 = self.weights.iter().sum();
        // The scores stay consistent whatever a panicking holder did (each
        // step leaves them summing to zero), so poisoning is ignored.
        let mut cur = self.current.lock().unwrap_or_else(|p| p.into_inner());
        let mut best = 0;
        let mut best_score = i64::MIN;
        for (i, (c, w)) in cur.iter_mut().zip(&self.weights).enumerate() {
            *c += w;
            if *c > best_score {
                best = i;
                best_score = *c;
            }
        }
        if let Some(c) = cur.get_mut(best) {
            *c -= total;
        }
        Some(best)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_weights_take_turns() {
        let b = SmoothWeighted::new(&[1, 1, 1]);
        let picks: Vec<usize> = (0..6).filter_map(|_| b.next()).collect();
        assert_eq!(picks, vec![0, 1, 2, 0, 1, 2]);
    }

    #[test]
    fn weights_are_spread_smoothly() {
        let b = SmoothWeighted::new(&[5, 1, 1]);
        let picks: Vec<usize> = (0..7).filter_map(|_| b.next()).collect();
        assert_eq!(picks, vec![0, 0, 1, 0, 2, 0, 0]);
    }

    #[test]
    fn none_and_one() {
        assert_eq!(SmoothWeighted::new(&[]).next(), None);
        assert_eq!(SmoothWeighted::new(&[3]).next(), Some(0));
    }
}
