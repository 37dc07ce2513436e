//! Groups used by the `Radio` and `Dish` sockets.

use serde::{
    de::{self, Deserializer, Visitor},
    Deserialize, Serialize, Serializer,
};
use thiserror::Error;

use std::{
    borrow::{Borrow, Cow},
    convert::TryFrom,
    ffi::{CStr, CString},
    fmt,
    ops::Deref,
    option,
    str::{self, FromStr, Utf8Error},
};

/// The maximum allowed number of bytes in a [`Group`].
///
/// This is the limit of libzmq 4.3.3 and later.
pub const MAX_GROUP_SIZE: usize = 255;

/// An error returned when a [`Group`] cannot be built.
///
/// # Example
/// ```
/// use libzmq::{Group, MAX_GROUP_SIZE};
///
/// let err = Group::new("a\0b").unwrap_err();
/// assert_eq!(err.to_string(), "unable to parse group: cannot contain nul char");
///
/// let err = Group::new(vec![b'a'; MAX_GROUP_SIZE + 1]).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "unable to parse group: cannot exceed MAX_GROUP_SIZE char",
/// );
/// ```
#[derive(Debug, Error, Copy, Clone, PartialEq, Eq, Hash)]
#[error("unable to parse group: {msg}")]
pub struct GroupParseError {
    msg: &'static str,
}

impl GroupParseError {
    fn new(msg: &'static str) -> Self {
        Self { msg }
    }
}

/// An owned group name, used by the `Radio` and `Dish` sockets.
///
/// A group is a string of at most [`MAX_GROUP_SIZE`] bytes that contains
/// no nul byte. The empty group is allowed.
///
/// # Example
/// ```
/// use libzmq::Group;
/// use std::convert::TryInto;
///
/// let group: Group = "abc".to_owned().try_into()?;
/// assert_eq!(group, "abc");
/// #
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Group {
    inner: CString,
}

impl Group {
    /// The empty group `""` (where a Radio message without a group goes).
    pub(crate) fn empty() -> Group {
        Group {
            inner: CString::default(),
        }
    }

    /// Creates a new `Group` from a container of bytes.
    ///
    /// # Errors
    /// Fails if the input has more than [`MAX_GROUP_SIZE`] bytes or
    /// contains a nul byte.
    ///
    /// # Example
    /// ```
    /// use libzmq::Group;
    ///
    /// let group = Group::new("my group")?;
    /// assert_eq!(group.as_bytes(), b"my group");
    /// assert!(Group::new("nul\0").is_err());
    /// #
    /// # Ok::<(), anyhow::Error>(())
    /// ```
    pub fn new<B>(bytes: B) -> Result<Self, GroupParseError>
    where
        B: Into<Vec<u8>>,
    {
        let bytes = bytes.into();
        if bytes.len() > MAX_GROUP_SIZE {
            return Err(GroupParseError::new(
                "cannot exceed MAX_GROUP_SIZE char",
            ));
        }
        let inner = CString::new(bytes)
            .map_err(|_| GroupParseError::new("cannot contain nul char"))?;
        Ok(Self { inner })
    }

    /// Returns the group as a C string.
    pub fn as_c_str(&self) -> &CStr {
        self.inner.as_c_str()
    }

    /// Returns the group as a `&str` if it is valid UTF-8.
    pub fn to_str(&self) -> Result<&str, Utf8Error> {
        self.inner.to_str()
    }

    /// Returns the group as UTF-8, replacing invalid sequences with
    /// `U+FFFD REPLACEMENT CHARACTER`.
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        self.inner.to_string_lossy()
    }

    /// Returns the bytes of the group (without the nul terminator).
    pub fn as_bytes(&self) -> &[u8] {
        self.inner.as_bytes()
    }
}

impl TryFrom<String> for Group {
    type Error = GroupParseError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl<'a> TryFrom<&'a String> for Group {
    type Error = GroupParseError;
    fn try_from(value: &'a String) -> Result<Self, Self::Error> {
        Self::new(value.as_str())
    }
}

impl<'a> TryFrom<&'a str> for Group {
    type Error = GroupParseError;
    fn try_from(value: &'a str) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl FromStr for Group {
    type Err = GroupParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::new(s)
    }
}

impl<'a> From<&'a GroupSlice> for Group {
    fn from(slice: &'a GroupSlice) -> Self {
        slice.to_owned()
    }
}

impl<'a> From<&'a Group> for Group {
    fn from(group: &'a Group) -> Self {
        group.clone()
    }
}

impl From<Group> for CString {
    fn from(group: Group) -> CString {
        group.inner
    }
}

impl Deref for Group {
    type Target = GroupSlice;
    fn deref(&self) -> &GroupSlice {
        GroupSlice::from_c_str_unchecked(self.inner.as_c_str())
    }
}

impl Borrow<GroupSlice> for Group {
    fn borrow(&self) -> &GroupSlice {
        self
    }
}

impl AsRef<GroupSlice> for Group {
    fn as_ref(&self) -> &GroupSlice {
        self
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl IntoIterator for Group {
    type Item = Group;
    type IntoIter = option::IntoIter<Group>;
    fn into_iter(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

impl<'a> IntoIterator for &'a Group {
    type Item = &'a Group;
    type IntoIter = option::IntoIter<&'a Group>;
    fn into_iter(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

impl PartialEq<GroupSlice> for Group {
    fn eq(&self, other: &GroupSlice) -> bool {
        self.as_bytes() == other.to_bytes()
    }
}

impl<'a> PartialEq<&'a GroupSlice> for Group {
    fn eq(&self, other: &&'a GroupSlice) -> bool {
        self.as_bytes() == other.to_bytes()
    }
}

impl PartialEq<[u8]> for Group {
    fn eq(&self, other: &[u8]) -> bool {
        self.as_bytes() == other
    }
}

impl PartialEq<str> for Group {
    fn eq(&self, other: &str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl<'a> PartialEq<&'a str> for Group {
    fn eq(&self, other: &&'a str) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl PartialEq<Group> for str {
    fn eq(&self, other: &Group) -> bool {
        other == self
    }
}

impl PartialEq<Group> for [u8] {
    fn eq(&self, other: &Group) -> bool {
        other == self
    }
}

impl Serialize for Group {
    /// Serialized as a string when the group is valid UTF-8 (always the
    /// case for groups built from a `&str`), as bytes otherwise.
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: Serializer,
    {
        match self.to_str() {
            Ok(s) => serializer.serialize_str(s),
            Err(_) => serializer.serialize_bytes(self.as_bytes()),
        }
    }
}

impl<'de> Deserialize<'de> for Group {
    fn deserialize<D>(deserializer: D) -> Result<Self, D::Error>
    where
        D: Deserializer<'de>,
    {
        struct GroupVisitor;

        impl<'de> Visitor<'de> for GroupVisitor {
            type Value = Group;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(
                    f,
                    "a group name of at most {} bytes without nul char",
                    MAX_GROUP_SIZE
                )
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Group, E> {
                Group::new(v).map_err(E::custom)
            }

            fn visit_string<E: de::Error>(self, v: String) -> Result<Group, E> {
                Group::new(v).map_err(E::custom)
            }

            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Group, E> {
                Group::new(v).map_err(E::custom)
            }

            fn visit_byte_buf<E: de::Error>(
                self,
                v: Vec<u8>,
            ) -> Result<Group, E> {
                Group::new(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(GroupVisitor)
    }
}

/// A borrowed group name, the unsized counterpart of [`Group`]
/// (like `str` is to `String`).
///
/// It is obtained from a [`Group`] (through `Deref`) or from a received
/// message's `group()`.
///
/// # Example
/// ```
/// use libzmq::{Group, GroupSlice, Msg};
///
/// let group = Group::new("blue")?;
/// let slice: &GroupSlice = &group;
/// assert_eq!(slice, "blue");
/// assert_eq!(slice.to_owned(), group);
///
/// let mut msg = Msg::new();
/// msg.set_group(slice);
/// assert_eq!(msg.group().unwrap(), group);
/// #
/// # Ok::<(), anyhow::Error>(())
/// ```
#[derive(PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct GroupSlice {
    inner: CStr,
}

impl GroupSlice {
    /// Reinterprets a `&CStr` as a `&GroupSlice`. The caller must make sure
    /// the C string respects the group invariants (at most
    /// `MAX_GROUP_SIZE` bytes), which is why this is private.
    fn from_c_str_unchecked(c_str: &CStr) -> &GroupSlice {
        let ptr = c_str as *const CStr as *const GroupSlice;
        // SAFETY: `GroupSlice` is `#[repr(transparent)]` over `CStr`, so both
        // types have the same layout and pointer metadata. The pointer comes
        // from a valid reference, and the returned reference has the same
        // lifetime as the input.
        unsafe { &*ptr }
    }

    /// Returns the group as a C string.
    pub fn as_c_str(&self) -> &CStr {
        &self.inner
    }

    /// Returns the group as a `&str` if it is valid UTF-8.
    pub fn to_str(&self) -> Result<&str, Utf8Error> {
        self.inner.to_str()
    }

    /// Returns the group as UTF-8, replacing invalid sequences with
    /// `U+FFFD REPLACEMENT CHARACTER`.
    pub fn to_string_lossy(&self) -> Cow<'_, str> {
        self.inner.to_string_lossy()
    }

    /// Returns the bytes of the group (without the nul terminator).
    pub fn to_bytes(&self) -> &[u8] {
        self.inner.to_bytes()
    }
}

impl fmt::Debug for GroupSlice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Display for GroupSlice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_string_lossy())
    }
}

impl Deref for GroupSlice {
    type Target = CStr;
    fn deref(&self) -> &CStr {
        &self.inner
    }
}

impl AsRef<CStr> for GroupSlice {
    fn as_ref(&self) -> &CStr {
        &self.inner
    }
}

impl AsRef<GroupSlice> for GroupSlice {
    fn as_ref(&self) -> &GroupSlice {
        self
    }
}

impl ToOwned for GroupSlice {
    type Owned = Group;
    fn to_owned(&self) -> Group {
        Group {
            inner: self.inner.to_owned(),
        }
    }
}

impl<'a> IntoIterator for &'a GroupSlice {
    type Item = &'a GroupSlice;
    type IntoIter = option::IntoIter<&'a GroupSlice>;
    fn into_iter(self) -> Self::IntoIter {
        Some(self).into_iter()
    }
}

impl PartialEq<str> for GroupSlice {
    fn eq(&self, other: &str) -> bool {
        self.to_bytes() == other.as_bytes()
    }
}

impl PartialEq<GroupSlice> for str {
    fn eq(&self, other: &GroupSlice) -> bool {
        other == self
    }
}

impl PartialEq<Group> for GroupSlice {
    fn eq(&self, other: &Group) -> bool {
        self.to_bytes() == other.as_bytes()
    }
}

impl PartialEq<Group> for &GroupSlice {
    fn eq(&self, other: &Group) -> bool {
        self.to_bytes() == other.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{hash_map::DefaultHasher, HashSet};
    use std::hash::{Hash, Hasher};

    fn hash<T: Hash + ?Sized>(t: &T) -> u64 {
        let mut h = DefaultHasher::new();
        t.hash(&mut h);
        h.finish()
    }

    #[test]
    fn limits() {
        assert!(Group::new("").is_ok());
        assert!(Group::new(vec![b'a'; MAX_GROUP_SIZE]).is_ok());
        assert!(Group::new("x".repeat(255)).is_ok());
        assert_eq!(
            Group::new("x".repeat(256)).unwrap_err().to_string(),
            "unable to parse group: cannot exceed MAX_GROUP_SIZE char"
        );
        for bad in ["\0", "a\0", "\0a", "a\0b"] {
            assert_eq!(
                Group::new(bad).unwrap_err().to_string(),
                "unable to parse group: cannot contain nul char"
            );
        }
        assert_eq!(MAX_GROUP_SIZE, 255);
    }

    #[test]
    fn conversions() {
        let s = String::from("group a");
        let a = Group::try_from(&s).unwrap();
        assert_eq!(a, Group::try_from(s.clone()).unwrap());
        assert_eq!(a, Group::try_from("group a").unwrap());
        assert_eq!(a, "group a".parse::<Group>().unwrap());
        assert_eq!(a, Group::from(&a));
        assert_eq!(a, Group::from(&*a));
        let c: CString = a.clone().into();
        assert_eq!(c.as_bytes(), b"group a");
        assert!("a\0".parse::<Group>().is_err());
        assert!(Group::try_from("x".repeat(300)).is_err());
    }

    #[test]
    fn accessors() {
        let a = Group::new("abc").unwrap();
        assert_eq!(a.as_c_str().to_bytes(), b"abc");
        assert_eq!(a.to_str(), Ok("abc"));
        assert_eq!(a.to_string_lossy(), "abc");
        assert_eq!(a.as_bytes(), b"abc");
        let slice: &GroupSlice = &a;
        assert_eq!(slice.as_c_str().to_bytes(), b"abc");
        assert_eq!(slice.to_str(), Ok("abc"));
        assert_eq!(slice.to_string_lossy(), "abc");
        assert_eq!(slice.to_bytes(), b"abc");
        let c: &CStr = slice;
        assert_eq!(c.to_bytes(), b"abc");
        let c: &CStr = slice.as_ref();
        assert_eq!(c.to_bytes(), b"abc");

        let bad = Group::new(vec![0xff, b'a']).unwrap();
        assert!(bad.to_str().is_err());
        assert_eq!(bad.to_string(), "\u{fffd}a");
        assert_eq!(bad.to_string_lossy(), "\u{fffd}a");
        assert_eq!(format!("{}", &*bad), "\u{fffd}a");
    }

    #[test]
    fn equality() {
        let a = Group::new("abc").unwrap();
        let slice: &GroupSlice = &a;
        assert_eq!(a, *slice);
        assert_eq!(a, slice);
        assert_eq!(a, *b"abc".as_slice());
        assert_eq!(a, *"abc");
        assert_eq!(a, "abc");
        assert_eq!(*"abc", a);
        assert_eq!(*b"abc".as_slice(), a);
        assert_eq!(*slice, *"abc");
        assert_eq!(*"abc", *slice);
        assert_eq!(*slice, a);
        assert_eq!(slice, a);
        assert_ne!(a, "abd");
        assert_ne!(slice, Group::new("ab").unwrap());
        // Borrow contract: equal hashes for the owned and borrowed forms.
        assert_eq!(hash(&a), hash(slice));
        let mut set = HashSet::new();
        set.insert(a.clone());
        assert!(set.contains(slice));
    }

    #[test]
    fn formatting() {
        let a = Group::new("abc").unwrap();
        assert_eq!(a.to_string(), "abc");
        assert_eq!((*a).to_string(), "abc");
        assert_eq!(format!("{:?}", &*a), "\"abc\"");
        assert!(format!("{:?}", a).contains("abc"));
    }

    #[test]
    fn into_iter() {
        let a = Group::new("abc").unwrap();
        assert_eq!((&a).into_iter().collect::<Vec<_>>(), vec![&a]);
        assert_eq!((&*a).into_iter().count(), 1);
        assert_eq!(a.clone().into_iter().collect::<Vec<_>>(), vec![a]);

        fn join<I, G>(groups: I) -> Vec<Group>
        where
            I: IntoIterator<Item = G>,
            G: Into<Group>,
        {
            groups.into_iter().map(Into::into).collect()
        }
        let g = Group::new("g").unwrap();
        assert_eq!(join(&g), vec![g.clone()]);
        assert_eq!(join(g.clone()), vec![g.clone()]);
        assert_eq!(join(&*g), vec![g.clone()]);
        assert_eq!(join(vec![&g, &g]).len(), 2);
    }

    #[test]
    fn to_owned_and_borrow() {
        let a = Group::new("abc").unwrap();
        let slice: &GroupSlice = a.borrow();
        let owned: Group = slice.to_owned();
        assert_eq!(owned, a);
        let r: &GroupSlice = a.as_ref();
        assert_eq!(r, a);
        let cow: Cow<'_, GroupSlice> = Cow::Borrowed(slice);
        assert_eq!(cow.into_owned(), a);
    }

    #[test]
    fn serde_round_trips() {
        #[derive(Debug, PartialEq, Serialize, Deserialize)]
        struct Wrapper {
            group: Group,
            groups: Vec<Group>,
        }
        let w = Wrapper {
            group: Group::new("group a").unwrap(),
            groups: vec![Group::new("").unwrap(), Group::new("b").unwrap()],
        };

        let yaml = serde_yaml::to_string(&w).unwrap();
        assert!(yaml.contains("group: group a"), "{}", yaml);
        assert_eq!(serde_yaml::from_str::<Wrapper>(&yaml).unwrap(), w);

        let json = serde_json::to_string(&w).unwrap();
        assert_eq!(json, r#"{"group":"group a","groups":["","b"]}"#);
        assert_eq!(serde_json::from_str::<Wrapper>(&json).unwrap(), w);

        let toml_str = toml::to_string(&w).unwrap();
        assert_eq!(toml::from_str::<Wrapper>(&toml_str).unwrap(), w);

        let err = serde_json::from_str::<Group>("\"a\\u0000\"").unwrap_err();
        assert!(
            err.to_string().contains("cannot contain nul char"),
            "{}",
            err
        );
        let long = format!("\"{}\"", "x".repeat(256));
        let err = serde_json::from_str::<Group>(&long).unwrap_err();
        assert!(err.to_string().contains("MAX_GROUP_SIZE"), "{}", err);
        assert!(serde_json::from_str::<Group>("12").is_err());
    }
}
