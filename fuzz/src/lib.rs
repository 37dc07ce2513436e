//! Helpers shared by the fuzz targets.

pub mod frame_input;
pub mod session;

/// Cuts `data` into consecutive chunks whose lengths come from `sizes` (cycled; a size of 0
/// means one byte). Every byte of `data` is in exactly one chunk, in order.
pub fn chunks<'a>(
    data: &'a [u8],
    sizes: &'a [u16],
) -> impl Iterator<Item = &'a [u8]> + 'a {
    let mut pos = 0usize;
    let mut i = 0usize;
    std::iter::from_fn(move || {
        if pos >= data.len() {
            return None;
        }
        let size = if sizes.is_empty() {
            data.len()
        } else {
            usize::from(sizes[i % sizes.len()]).max(1)
        };
        i += 1;
        let end = pos.saturating_add(size).min(data.len());
        let chunk = &data[pos..end];
        pos = end;
        Some(chunk)
    })
}

/// The recorded seeds of `target` (`corpus/<target>/rec-*`, written by `zmtp-record`):
/// `(file name, contents)`, sorted by name.
#[cfg(test)]
pub(crate) fn recorded_seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut seeds: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("rec-"))
        })
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("read seed"))
        })
        .collect();
    seeds.sort();
    seeds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_everything_in_order() {
        let data: Vec<u8> = (0..100).collect();
        let joined: Vec<u8> =
            chunks(&data, &[3, 0, 50]).flatten().copied().collect();
        assert_eq!(joined, data);
        assert_eq!(chunks(&data, &[]).count(), 1);
        assert_eq!(chunks(&[], &[1]).count(), 0);
    }
}

/// The two text formats of the config targets.
#[derive(Clone, Copy, Debug)]
pub enum Format {
    /// serde_yaml 0.9.
    Yaml,
    /// serde_json.
    Json,
}

impl Format {
    fn parse<T: serde::de::DeserializeOwned>(
        self,
        text: &str,
    ) -> Result<T, String> {
        match self {
            Format::Yaml => {
                serde_yaml::from_str(text).map_err(|e| e.to_string())
            }
            Format::Json => {
                serde_json::from_str(text).map_err(|e| e.to_string())
            }
        }
    }

    fn write<T: serde::Serialize>(self, value: &T) -> Result<String, String> {
        match self {
            Format::Yaml => {
                serde_yaml::to_string(value).map_err(|e| e.to_string())
            }
            Format::Json => {
                serde_json::to_string(value).map_err(|e| e.to_string())
            }
        }
    }
}

/// Parses `text` as a `T`; when that works, the value must serialise (in the same format) and
/// parse back to an equal value, and serialising that gives the same text again.
pub fn config_round_trip<T>(format: Format, text: &str)
where
    T: serde::Serialize
        + serde::de::DeserializeOwned
        + PartialEq
        + std::fmt::Debug,
{
    let Ok(value) = format.parse::<T>(text) else {
        return;
    };
    let written = format.write(&value).unwrap_or_else(|e| {
        panic!("{value:?} parsed from {text:?} does not serialise: {e}")
    });
    let back: T = format.parse(&written).unwrap_or_else(|e| {
        panic!("{written:?} (from {text:?}) does not parse back: {e}")
    });
    assert_eq!(back, value, "{text:?} -> {written:?}");
    assert_eq!(format.write(&back).as_deref(), Ok(&*written));
}

/// One of the public configs, chosen by `selector`, through [`config_round_trip`].
pub fn config_target(format: Format, data: &[u8]) {
    use libzmq::config::*;
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector % 16 {
        0 => config_round_trip::<ClientConfig>(format, text),
        1 => config_round_trip::<ServerConfig>(format, text),
        2 => config_round_trip::<RadioConfig>(format, text),
        3 => config_round_trip::<DishConfig>(format, text),
        4 => config_round_trip::<GatherConfig>(format, text),
        5 => config_round_trip::<ScatterConfig>(format, text),
        6 => config_round_trip::<ConfigType>(format, text),
        7 => config_round_trip::<Vec<ConfigType>>(format, text),
        8 => config_round_trip::<AuthConfig>(format, text),
        9 => config_round_trip::<CtxConfig>(format, text),
        10 => config_round_trip::<libzmq::ClientBuilder>(format, text),
        11 => config_round_trip::<libzmq::ServerBuilder>(format, text),
        12 => config_round_trip::<libzmq::RadioBuilder>(format, text),
        13 => config_round_trip::<libzmq::DishBuilder>(format, text),
        14 => config_round_trip::<libzmq::addr::Endpoint>(format, text),
        _ => config_round_trip::<libzmq::Heartbeat>(format, text),
    }
}
