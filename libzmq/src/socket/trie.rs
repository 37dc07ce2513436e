//! A prefix trie for topic subscriptions: a PUB finds the subscribers of a
//! message by walking its first bytes once (the cost depends on the length
//! of the matching prefixes, not on how many subscriptions exist), a SUB
//! filters what it receives the same way.

/// A trie from byte-string prefixes to values. Nodes whose value is empty
/// (per [`Empty`]) and that have no children are removed.
#[derive(Debug, Default)]
pub(crate) struct Trie<V> {
    root: Node<V>,
}

#[derive(Debug)]
struct Node<V> {
    value: V,
    /// The byte leading to each child, sorted; apart from the children
    /// themselves so that a lookup reads one short array, not a line per
    /// child it passes.
    keys: Vec<u8>,
    /// The children, in the order of `keys`.
    children: Vec<Node<V>>,
}

impl<V: Default> Default for Node<V> {
    fn default() -> Self {
        Node {
            value: V::default(),
            keys: Vec::new(),
            children: Vec::new(),
        }
    }
}

/// Whether a value holds nothing (its node may then be pruned).
pub(crate) trait Empty {
    /// `true` when the value holds nothing.
    fn is_empty(&self) -> bool;
}

impl<V: Default + Empty> Node<V> {
    fn child_mut(&mut self, byte: u8) -> &mut Node<V> {
        let index = match self.keys.binary_search(&byte) {
            Ok(index) => index,
            Err(index) => {
                self.keys.insert(index, byte);
                self.children.insert(index, Node::default());
                index
            }
        };
        &mut self.children[index]
    }

    #[inline]
    fn child(&self, byte: u8) -> Option<&Node<V>> {
        // The keys are few and short: a scan beats a binary search.
        let index = self.keys.iter().position(|&k| k == byte)?;
        self.children.get(index)
    }

    fn is_prunable(&self) -> bool {
        self.value.is_empty() && self.children.is_empty()
    }

    /// Applies `f` to the value at `prefix` (if the node exists) and prunes
    /// the nodes left empty on the way back.
    fn update<R>(
        &mut self,
        prefix: &[u8],
        f: impl FnOnce(&mut V) -> R,
    ) -> Option<R> {
        let Some((&byte, rest)) = prefix.split_first() else {
            return Some(f(&mut self.value));
        };
        let index = self.keys.binary_search(&byte).ok()?;
        let result = self.children[index].update(rest, f);
        if self.children[index].is_prunable() {
            self.keys.remove(index);
            self.children.remove(index);
        }
        result
    }

    fn for_each<'a>(
        &'a self,
        prefix: &mut Vec<u8>,
        f: &mut impl FnMut(&[u8], &'a V),
    ) {
        if !self.value.is_empty() {
            f(prefix, &self.value);
        }
        for (byte, child) in self.keys.iter().zip(&self.children) {
            prefix.push(*byte);
            child.for_each(prefix, f);
            prefix.pop();
        }
    }
}

impl<V: Default + Empty> Trie<V> {
    /// The value at `prefix`, made (empty) if missing.
    pub(crate) fn entry(&mut self, prefix: &[u8]) -> &mut V {
        let mut node = &mut self.root;
        for &byte in prefix {
            node = node.child_mut(byte);
        }
        &mut node.value
    }

    /// Applies `f` to the value at `prefix`, if there is one, then prunes
    /// the nodes it left empty. `None`: no such prefix.
    pub(crate) fn update<R>(
        &mut self,
        prefix: &[u8],
        f: impl FnOnce(&mut V) -> R,
    ) -> Option<R> {
        self.root.update(prefix, f)
    }

    /// Calls `f` with the value of every prefix of `bytes` (the empty
    /// prefix first), in order of length.
    pub(crate) fn matches<'a>(
        &'a self,
        bytes: &[u8],
        mut f: impl FnMut(&'a V),
    ) {
        let mut node = &self.root;
        f(&node.value);
        for &byte in bytes {
            match node.child(byte) {
                Some(child) => node = child,
                None => return,
            }
            f(&node.value);
        }
    }

    /// Whether some non-empty value sits at a prefix of `bytes`.
    pub(crate) fn has_match(&self, bytes: &[u8]) -> bool {
        let mut found = false;
        self.matches(bytes, |value| found |= !value.is_empty());
        found
    }

    /// Every prefix with a non-empty value, in byte order.
    pub(crate) fn for_each<'a>(&'a self, mut f: impl FnMut(&[u8], &'a V)) {
        self.root.for_each(&mut Vec::new(), &mut f);
    }
}

impl Empty for usize {
    fn is_empty(&self) -> bool {
        *self == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(trie: &Trie<usize>, bytes: &[u8]) -> Vec<usize> {
        let mut seen = Vec::new();
        trie.matches(bytes, |v| {
            if *v > 0 {
                seen.push(*v)
            }
        });
        seen
    }

    #[test]
    fn matches_every_prefix_along_the_path() {
        let mut trie = Trie::<usize>::default();
        *trie.entry(b"") += 1;
        *trie.entry(b"A") += 2;
        *trie.entry(b"AB") += 3;
        *trie.entry(b"B") += 4;
        assert_eq!(counts(&trie, b"ABC"), vec![1, 2, 3]);
        assert_eq!(counts(&trie, b"A"), vec![1, 2]);
        assert_eq!(counts(&trie, b"C"), vec![1]);
        assert!(trie.has_match(b"x"));
    }

    #[test]
    fn empty_nodes_are_pruned() {
        let mut trie = Trie::<usize>::default();
        *trie.entry(b"topic/a") += 1;
        *trie.entry(b"topic/b") += 1;
        assert_eq!(trie.update(b"topic/a", |v| *v -= 1), Some(()));
        assert_eq!(trie.update(b"nothing", |v| *v -= 1), None);
        assert!(!trie.has_match(b"topic/a"));
        assert!(trie.has_match(b"topic/b!"));
        trie.update(b"topic/b", |v| *v -= 1);
        assert!(trie.root.children.is_empty(), "every node pruned");
        assert!(trie.root.keys.is_empty());
    }

    #[test]
    fn for_each_lists_prefixes_in_order() {
        let mut trie = Trie::<usize>::default();
        for prefix in [&b"b"[..], b"a", b"ab", b""] {
            *trie.entry(prefix) += 1;
        }
        let mut seen = Vec::new();
        trie.for_each(|prefix, _| seen.push(prefix.to_vec()));
        assert_eq!(
            seen,
            vec![b"".to_vec(), b"a".to_vec(), b"ab".to_vec(), b"b".to_vec()]
        );
    }

    #[test]
    fn many_prefixes_stay_a_walk() {
        let mut trie = Trie::<usize>::default();
        for i in 0..1000u32 {
            *trie.entry(format!("{i:04}").as_bytes()) += 1;
        }
        assert_eq!(counts(&trie, b"0420 payload"), vec![1]);
        assert_eq!(counts(&trie, b"9999"), Vec::<usize>::new());
    }
}
