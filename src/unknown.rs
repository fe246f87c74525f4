//! Fields of a region file that this version does not know, kept with their exact text and
//! written back on save: a file saved again loses nothing, and a number keeps its digits
//! (`12345678901234567890123` does not become `1.2345678901234568e+22`).
//!
//! Each struct of the file holds its unknown fields in an [`Extra`] and reads and writes them
//! with [`keep_unknown_fields!`]: the struct derives serde with `#[serde(remote = "Self")]`
//! (which makes the derived code inherent functions) and `#[serde(skip)] extra: Extra`, and the
//! macro implements `Serialize` and `Deserialize` around them:
//!
//! - reading, [`CaptureUnknown`] wraps the deserializer; when the derived code asks for its
//!   struct it is handed the object's known fields, and every other field is taken as a
//!   [`RawValue`], the exact text of the file;
//! - writing, [`WriteUnknown`] writes the derived fields and then the unknown ones.
//!
//! `#[serde(flatten)]` is not used: it buffers the object, and through that buffer a number
//! is an `f64` before anything can keep its text (`serde_json`'s `arbitrary_precision` does keep
//! it, but then every `f64` behind a flatten fails to read: serde-rs/json#505).
//!
//! A field whose type cannot hold an `Extra` of its own (a position, [`crate::model::LatLon`],
//! is `Copy` and used everywhere as a plain value) keeps its unknown fields in its parent's
//! `Extra`, named by the field: `keep_unknown_fields!(Facility, within: ["location"])`.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeStruct, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

/// Fields of a JSON object that this version does not know, each with its text as in the
/// file. Boxed on demand: almost every object has none, and a large region holds millions of
/// objects.
#[derive(Clone, Debug, Default)]
pub struct Extra(Option<Box<Fields>>);

#[derive(Clone, Debug, Default)]
struct Fields {
    /// The object's own unknown fields, in file order.
    own: Vec<(String, Box<RawValue>)>,
    /// Unknown fields of a child object kept here, by the child's field name.
    children: Vec<(&'static str, Extra)>,
}

impl Extra {
    pub fn new() -> Self {
        Self(None)
    }

    /// No unknown fields, its own or its children's.
    pub fn is_empty(&self) -> bool {
        self.0
            .as_ref()
            .is_none_or(|f| f.own.is_empty() && f.children.iter().all(|(_, c)| c.is_empty()))
    }

    /// The field's value, parsed (a number becomes an `f64` if it has no exact `u64`/`i64`;
    /// [`Self::get_raw`] has its text).
    pub fn get(&self, key: &str) -> Option<Value> {
        serde_json::from_str(self.get_raw(key)?.get()).ok()
    }

    /// The field's text as in the file.
    pub fn get_raw(&self, key: &str) -> Option<&RawValue> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// Sets a field (replacing one of the same name, else added last).
    // By value, as a map's `insert` takes it: callers build the value for it.
    #[allow(clippy::needless_pass_by_value)]
    pub fn insert(&mut self, key: String, value: Value) {
        // Serialising a `Value` cannot fail: it holds no map with non-string keys, no NaN.
        if let Ok(raw) = serde_json::value::to_raw_value(&value) {
            self.insert_raw(key, raw);
        }
    }

    /// Sets a field to JSON text (replacing one of the same name, else added last).
    pub fn insert_raw(&mut self, key: String, value: Box<RawValue>) {
        let own = &mut self.0.get_or_insert_with(Box::default).own;
        match own.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => own.push((key, value)),
        }
    }

    /// The object's own unknown fields, in file order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RawValue)> {
        self.0
            .iter()
            .flat_map(|f| f.own.iter().map(|(k, v)| (k.as_str(), &**v)))
    }

    /// The unknown fields of the child object `field`, kept by its parent.
    pub fn child(&self, field: &str) -> Option<&Extra> {
        self.0
            .as_ref()?
            .children
            .iter()
            .find(|(k, _)| *k == field)
            .map(|(_, c)| c)
    }

    /// The unknown fields of the child object `field`, created empty if it has none.
    pub fn child_mut(&mut self, field: &'static str) -> &mut Extra {
        let children = &mut self.0.get_or_insert_with(Box::default).children;
        let i = if let Some(i) = children.iter().position(|(k, _)| *k == field) {
            i
        } else {
            children.push((field, Extra::new()));
            children.len() - 1
        };
        &mut children[i].1
    }
}

/// Equal when the same fields have the same text, in the same order (and so for children).
impl PartialEq for Extra {
    fn eq(&self, other: &Self) -> bool {
        fn children(e: &Extra) -> impl Iterator<Item = (&'static str, &Extra)> {
            e.0.iter().flat_map(|f| {
                f.children
                    .iter()
                    .filter(|(_, c)| !c.is_empty())
                    .map(|(k, c)| (*k, c))
            })
        }
        self.iter()
            .map(|(k, v)| (k, v.get()))
            .eq(other.iter().map(|(k, v)| (k, v.get())))
            && children(self).eq(children(other))
    }
}

/// The own fields, as a map (for a struct that flattens its `Extra` into itself).
impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Read through serde's `flatten` (the leftover fields of an object); numbers are parsed, so
/// their text is the `f64`'s. The structs of a region file read their fields with
/// [`CaptureUnknown`] instead, which keeps the text.
impl<'de> de::Deserialize<'de> for Extra {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, Value>::deserialize(deserializer)?;
        let mut extra = Extra::new();
        for (k, v) in map {
            extra.insert(k, v);
        }
        Ok(extra)
    }
}

/// A deserializer that hands the struct asked of it only its known fields, and puts every other
/// field's text into `extra` (and the unknown fields of the `children` named into `extra`'s
/// children). Everything else passes through to `inner` untouched.
pub struct CaptureUnknown<'a, D> {
    inner: D,
    extra: &'a mut Extra,
    children: &'static [&'static str],
}

impl<'a, D> CaptureUnknown<'a, D> {
    pub fn new(inner: D, extra: &'a mut Extra, children: &'static [&'static str]) -> Self {
        Self {
            inner,
            extra,
            children,
        }
    }
}

/// Deserializer methods that pass straight to the inner deserializer.
macro_rules! forward_de {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, Self::Error> {
            self.inner.$method($($arg,)* visitor)
        })*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for CaptureUnknown<'_, D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_struct(
            name,
            fields,
            StructVisitor {
                visitor,
                fields,
                extra: self.extra,
                children: self.children,
            },
        )
    }

    forward_de! {
        deserialize_any(); deserialize_bool(); deserialize_i8(); deserialize_i16();
        deserialize_i32(); deserialize_i64(); deserialize_i128(); deserialize_u8();
        deserialize_u16(); deserialize_u32(); deserialize_u64(); deserialize_u128();
        deserialize_f32(); deserialize_f64(); deserialize_char(); deserialize_str();
        deserialize_string(); deserialize_bytes(); deserialize_byte_buf(); deserialize_option();
        deserialize_unit(); deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str); deserialize_seq();
        deserialize_tuple(len: usize); deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier(); deserialize_ignored_any();
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// The visitor of the struct, wrapped so that it reads the object through [`CaptureMap`].
struct StructVisitor<'a, V> {
    visitor: V,
    fields: &'static [&'static str],
    extra: &'a mut Extra,
    children: &'static [&'static str],
}

impl<'de, V: Visitor<'de>> Visitor<'de> for StructVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(CaptureMap {
            map,
            fields: self.fields,
            extra: self.extra,
            children: self.children,
            child: None,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_seq(seq)
    }
}

/// An object's fields: the known ones go to the struct's visitor, the others to `extra`.
struct CaptureMap<'a, A> {
    map: A,
    fields: &'static [&'static str],
    extra: &'a mut Extra,
    children: &'static [&'static str],
    child: Option<&'static str>,
}

enum Key {
    Known(&'static str),
    Unknown(String),
}

/// Reads a field name: one of the struct's, or an unknown one.
struct KeySeed(&'static [&'static str]);

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for KeySeed {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
        Ok(match self.0.iter().find(|f| **f == v) {
            Some(f) => Key::Known(f),
            None => Key::Unknown(v.to_owned()),
        })
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for CaptureMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            match self.map.next_key_seed(KeySeed(self.fields))? {
                None => return Ok(None),
                Some(Key::Known(field)) => {
                    self.child = self.children.iter().find(|c| **c == field).copied();
                    return seed
                        .deserialize(de::value::BorrowedStrDeserializer::new(field))
                        .map(Some);
                }
                Some(Key::Unknown(name)) => {
                    let value: Box<RawValue> = self.map.next_value()?;
                    self.extra.insert_raw(name, value);
                }
            }
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        match self.child.take() {
            Some(field) => self.map.next_value_seed(ChildSeed {
                seed,
                extra: self.extra.child_mut(field),
            }),
            None => self.map.next_value_seed(seed),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A child's value, read with its unknown fields put into its parent's `extra`.
struct ChildSeed<'a, S> {
    seed: S,
    extra: &'a mut Extra,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for ChildSeed<'_, S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(CaptureUnknown {
            inner: d,
            extra: self.extra,
            children: &[],
        })
    }
}

/// A serializer that writes the struct given to it as an object of its fields followed by the
/// unknown fields of `extra` (and a child field's with its own, as a child's are kept).
pub struct WriteUnknown<'a, S> {
    inner: S,
    extra: &'a Extra,
}

impl<'a, S> WriteUnknown<'a, S> {
    pub fn new(inner: S, extra: &'a Extra) -> Self {
        Self { inner, extra }
    }
}

/// Serializer methods that pass straight to the inner serializer.
macro_rules! forward_ser {
    ($($method:ident($($arg:ident: $ty:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $($arg: $ty),*) -> Result<$ret, S::Error> {
            self.inner.$method($($arg),*)
        })*
    };
}

impl<'a, S: Serializer> Serializer for WriteUnknown<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = S::SerializeSeq;
    type SerializeTuple = S::SerializeTuple;
    type SerializeTupleStruct = S::SerializeTupleStruct;
    type SerializeTupleVariant = S::SerializeTupleVariant;
    type SerializeMap = S::SerializeMap;
    type SerializeStruct = StructWithUnknown<'a, S::SerializeMap>;
    type SerializeStructVariant = S::SerializeStructVariant;

    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(StructWithUnknown {
            map: self.inner.serialize_map(None)?,
            extra: self.extra,
        })
    }

    forward_ser! {
        serialize_bool(v: bool) -> S::Ok;
        serialize_i8(v: i8) -> S::Ok;
        serialize_i16(v: i16) -> S::Ok;
        serialize_i32(v: i32) -> S::Ok;
        serialize_i64(v: i64) -> S::Ok;
        serialize_i128(v: i128) -> S::Ok;
        serialize_u8(v: u8) -> S::Ok;
        serialize_u16(v: u16) -> S::Ok;
        serialize_u32(v: u32) -> S::Ok;
        serialize_u64(v: u64) -> S::Ok;
        serialize_u128(v: u128) -> S::Ok;
        serialize_f32(v: f32) -> S::Ok;
        serialize_f64(v: f64) -> S::Ok;
        serialize_char(v: char) -> S::Ok;
        serialize_str(v: &str) -> S::Ok;
        serialize_bytes(v: &[u8]) -> S::Ok;
        serialize_none() -> S::Ok;
        serialize_unit() -> S::Ok;
        serialize_unit_struct(name: &'static str) -> S::Ok;
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str) -> S::Ok;
        serialize_seq(len: Option<usize>) -> S::SerializeSeq;
        serialize_tuple(len: usize) -> S::SerializeTuple;
        serialize_tuple_struct(name: &'static str, len: usize) -> S::SerializeTupleStruct;
        serialize_tuple_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> S::SerializeTupleVariant;
        serialize_map(len: Option<usize>) -> S::SerializeMap;
        serialize_struct_variant(name: &'static str, index: u32, variant: &'static str, len: usize) -> S::SerializeStructVariant;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(value)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_newtype_struct(name, value)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner
            .serialize_newtype_variant(name, index, variant, value)
    }
    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// The fields of a struct being written by [`WriteUnknown`].
pub struct StructWithUnknown<'a, M> {
    map: M,
    extra: &'a Extra,
}

impl<M: SerializeMap> SerializeStruct for StructWithUnknown<'_, M> {
    type Ok = M::Ok;
    type Error = M::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), M::Error> {
        match self.extra.child(key) {
            Some(child) if !child.is_empty() => self.map.serialize_entry(
                key,
                &WithUnknown {
                    value,
                    extra: child,
                },
            ),
            _ => self.map.serialize_entry(key, value),
        }
    }

    fn end(mut self) -> Result<M::Ok, M::Error> {
        for (k, v) in self.extra.iter() {
            self.map.serialize_entry(k, v)?;
        }
        self.map.end()
    }
}

/// A child value written with the unknown fields its parent keeps for it.
struct WithUnknown<'a, T: ?Sized> {
    value: &'a T,
    extra: &'a Extra,
}

impl<T: ?Sized + Serialize> Serialize for WithUnknown<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(WriteUnknown {
            inner: serializer,
            extra: self.extra,
        })
    }
}

/// `Serialize` and `Deserialize` for a struct of the file that keeps its unknown fields in its
/// `extra`; see the module's documentation. `within: ["location"]` also keeps those of the
/// child object `location`.
macro_rules! keep_unknown_fields {
    ($ty:ident $(, within: [$($child:literal),* $(,)?])?) => {
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $ty::serialize(self, $crate::unknown::WriteUnknown::new(serializer, &self.extra))
            }
        }
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut extra = $crate::unknown::Extra::new();
                let mut value = $ty::deserialize($crate::unknown::CaptureUnknown::new(
                    deserializer,
                    &mut extra,
                    &[$($($child),*)?],
                ))?;
                value.extra = extra;
                Ok(value)
            }
        }
    };
}
pub(crate) use keep_unknown_fields;

/// The names of the fields a struct reads (serde's list, passed to `deserialize_struct`): for
/// code that adds fields to an `extra` and must not shadow one the struct writes itself.
pub fn field_names<T: de::DeserializeOwned>() -> &'static [&'static str] {
    use std::cell::Cell;

    #[derive(Debug)]
    struct Stop;
    impl fmt::Display for Stop {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("field names found")
        }
    }
    impl std::error::Error for Stop {}
    impl de::Error for Stop {
        fn custom<M: fmt::Display>(_: M) -> Self {
            Stop
        }
    }

    /// Gives the names it is asked for with and stops.
    struct Names<'a>(&'a Cell<&'static [&'static str]>);
    impl<'de> Deserializer<'de> for Names<'_> {
        type Error = Stop;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
            Err(Stop)
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Stop> {
            self.0.set(fields);
            Err(Stop)
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    let names = Cell::new(&[][..]);
    let _ = T::deserialize(Names(&names));
    names.get()
}

/// A region's hub sites ([`crate::hubs::HubSite`]), which keep their unknown fields through
/// serde's `flatten`: read and written here so that those fields keep their text too, and the
/// unknown fields of a site's `location` survive (kept in the site's `extra`).
pub(crate) mod hub_sites {
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, SeqAccess, Visitor};
    use serde::ser::{Error as _, Serialize, SerializeMap, Serializer};
    use serde_json::value::RawValue;
    use serde_json::Value;

    use super::{CaptureUnknown, Extra};
    use crate::hubs::HubSite;
    use crate::model::LatLon;

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<HubSite>, D::Error> {
        d.deserialize_seq(Sites)
    }

    struct Sites;

    impl<'de> Visitor<'de> for Sites {
        type Value = Vec<HubSite>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of hub sites")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(site) = seq.next_element_seed(Site)? {
                out.push(site);
            }
            Ok(out)
        }
    }

    struct Site;

    impl<'de> DeserializeSeed<'de> for Site {
        type Value = HubSite;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<HubSite, D::Error> {
            let raw = <Box<RawValue> as de::Deserialize>::deserialize(d)?;
            parse(&raw).map_err(de::Error::custom)
        }
    }

    /// A site from its text: the derived reader, then each unknown field's text from the file.
    fn parse(raw: &RawValue) -> Result<HubSite, String> {
        let mut de = serde_json::Deserializer::from_str(raw.get());
        let mut site: HubSite = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let message = e.into_inner().to_string();
            // The position is within the site; the caller's error gives the file's.
            let message = message
                .rfind(" at line ")
                .map_or(message.as_str(), |i| &message[..i]);
            if path == "." {
                message.to_owned()
            } else {
                format!("{path}: {message}")
            }
        })?;
        let fields = fields(raw.get()).map_err(|e| e.to_string())?;
        for (key, value) in fields {
            if site.extra.get_raw(&key).is_some() {
                site.extra.insert_raw(key, value);
            } else if key == "location" {
                let mut de = serde_json::Deserializer::from_str(value.get());
                let child = site.extra.child_mut("location");
                <LatLon as de::Deserialize>::deserialize(CaptureUnknown::new(&mut de, child, &[]))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(site)
    }

    /// The fields of a JSON object, each as its text.
    fn fields(text: &str) -> Result<Vec<(String, Box<RawValue>)>, serde_json::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = Vec<(String, Box<RawValue>)>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    out.push(entry);
                }
                Ok(out)
            }
        }
        serde_json::Deserializer::from_str(text).deserialize_map(Fields)
    }

    // serde's `with` passes the field by reference.
    #[allow(clippy::ptr_arg)]
    pub fn serialize<S: Serializer>(sites: &Vec<HubSite>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(sites.iter().map(SiteOut))
    }

    /// A site written by its derived code, with each unknown field's text put back.
    struct SiteOut<'a>(&'a HubSite);

    impl Serialize for SiteOut<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let site = self.0;
            let value = serde_json::to_value(site).map_err(S::Error::custom)?;
            let Value::Object(map) = value else {
                return value.serialize(s);
            };
            let mut out = s.serialize_map(Some(map.len()))?;
            for (k, v) in &map {
                if let Some(raw) = site.extra.get_raw(k) {
                    out.serialize_entry(k, raw)?;
                } else if let Some(child) = site.extra.child(k).filter(|c| !c.is_empty()) {
                    out.serialize_entry(k, &WithFields(v, child))?;
                } else {
                    out.serialize_entry(k, v)?;
                }
            }
            out.end()
        }
    }

    /// An object value followed by the unknown fields kept for it.
    struct WithFields<'a>(&'a Value, &'a Extra);

    impl Serialize for WithFields<'_> {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let Value::Object(map) = self.0 else {
                return self.0.serialize(s);
            };
            let mut out = s.serialize_map(None)?;
            for (k, v) in map {
                out.serialize_entry(k, v)?;
            }
            for (k, v) in self.1.iter() {
                out.serialize_entry(k, v)?;
            }
            out.end()
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Facility, LatLon, Need};

    #[test]
    fn unknown_fields_keep_their_text_and_known_ones_their_value() {
        let text = r#"{"id":"F1","name":"n","location":{"lat_deg":51.12345678901234,"lon_deg":3.5,"alt_m":12345678901234567890123},"permit":1.50,"permit":"B-7"}"#;
        let f: Facility = serde_json::from_str(text).unwrap();
        assert_eq!(f.location, LatLon::new(51.123_456_789_012_34, 3.5));
        // A field given twice is kept once, the last, as a JSON object keeps it.
        assert_eq!(f.extra.get_raw("permit").unwrap().get(), r#""B-7""#);
        let out = serde_json::to_string(&f).unwrap();
        assert!(
            out.contains(r#""location":{"lat_deg":51.12345678901234,"lon_deg":3.5,"alt_m":12345678901234567890123}"#),
            "{out}"
        );
        assert_eq!(serde_json::from_str::<Facility>(&out).unwrap(), f);
    }

    #[test]
    fn errors_keep_their_path_and_a_struct_may_still_be_an_array() {
        let text = r#"{"id":"n","material":"m","quantity_per_yr":"lots","unit":"t","x":[1,2]}"#;
        let mut de = serde_json::Deserializer::from_str(text);
        let e = serde_path_to_error::deserialize::<_, Need>(&mut de).unwrap_err();
        assert_eq!(e.path().to_string(), "quantity_per_yr");
        assert!(e.inner().to_string().contains("expected f64"), "{e}");
        let latlon: LatLon = serde_json::from_str("[50.5, 4.25]").unwrap();
        assert_eq!(latlon, LatLon::new(50.5, 4.25));
    }

    #[test]
    fn field_names_are_serdes_list() {
        let names = super::field_names::<crate::model::Constituent>();
        assert_eq!(names, ["name", "mass_pct"]);
        assert!(super::field_names::<Need>().contains(&"virgin_price_per_unit"));
    }

    #[test]
    fn through_flatten_the_fields_are_kept_as_parsed_numbers() {
        // `crate::hubs` flattens an `Extra` into its structs; that still reads and writes.
        let file: crate::hubs::HubsFile =
            serde_json::from_str(r#"{"sites":[],"owner":"port authority","rev":3}"#).unwrap();
        assert_eq!(file.extra.get("rev"), Some(serde_json::json!(3)));
        let out = serde_json::to_string(&file).unwrap();
        assert!(
            out.ends_with(r#""owner":"port authority","rev":3}"#),
            "{out}"
        );
    }
}
