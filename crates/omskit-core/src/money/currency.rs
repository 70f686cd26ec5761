//! ISO 4217 currencies: a three-letter code and the number of minor units.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// An ISO 4217 currency: its three-letter code and its number of minor units
/// (decimal places of the smallest coin: 2 for USD, 0 for JPY, 3 for BHD).
///
/// Only the currencies in [`Currency::all`] exist; build one with an
/// associated constant such as [`Currency::USD`] or with
/// [`Currency::from_code`].
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct Currency {
    code: [u8; 3],
    minor_units: u32,
}

macro_rules! currencies {
    ($($code:ident = $units:literal, $name:literal;)*) => {
        impl Currency {
            $(
                #[doc = concat!($name, " (`", stringify!($code), "`), ", stringify!($units), " minor units.")]
                pub const $code: Currency = Currency::define(stringify!($code), $units);
            )*
        }

        /// Every known currency, in the order they are declared.
        const ALL: &[Currency] = &[$(Currency::$code),*];
    };
}

currencies! {
    USD = 2, "US dollar";
    EUR = 2, "Euro";
    JPY = 0, "Japanese yen";
    GBP = 2, "Pound sterling";
    CNY = 2, "Chinese yuan renminbi";
    AUD = 2, "Australian dollar";
    CAD = 2, "Canadian dollar";
    CHF = 2, "Swiss franc";
    HKD = 2, "Hong Kong dollar";
    SGD = 2, "Singapore dollar";
    SEK = 2, "Swedish krona";
    KRW = 0, "South Korean won";
    NOK = 2, "Norwegian krone";
    NZD = 2, "New Zealand dollar";
    INR = 2, "Indian rupee";
    MXN = 2, "Mexican peso";
    TWD = 2, "New Taiwan dollar";
    ZAR = 2, "South African rand";
    BRL = 2, "Brazilian real";
    DKK = 2, "Danish krone";
    PLN = 2, "Polish zloty";
    THB = 2, "Thai baht";
    ILS = 2, "Israeli new shekel";
    IDR = 2, "Indonesian rupiah";
    CZK = 2, "Czech koruna";
    AED = 2, "UAE dirham";
    TRY = 2, "Turkish lira";
    HUF = 2, "Hungarian forint";
    CLP = 0, "Chilean peso";
    SAR = 2, "Saudi riyal";
    PHP = 2, "Philippine peso";
    MYR = 2, "Malaysian ringgit";
    COP = 2, "Colombian peso";
    RUB = 2, "Russian ruble";
    RON = 2, "Romanian leu";
    PEN = 2, "Peruvian sol";
    BHD = 3, "Bahraini dinar";
    KWD = 3, "Kuwaiti dinar";
    JOD = 3, "Jordanian dinar";
    OMR = 3, "Omani rial";
    TND = 3, "Tunisian dinar";
    ISK = 0, "Icelandic krona";
    VND = 0, "Vietnamese dong";
}

impl Currency {
    /// Builds a table entry; `code` must be three ASCII uppercase letters.
    const fn define(code: &str, minor_units: u32) -> Currency {
        let bytes = code.as_bytes();
        assert!(bytes.len() == 3, "a currency code has three letters");
        Currency { code: [bytes[0], bytes[1], bytes[2]], minor_units }
    }

    /// Looks up a currency by its ISO 4217 code. The match is exact: the code
    /// must be three uppercase letters, as in `"USD"`.
    ///
    /// # Errors
    ///
    /// [`Error::UnknownCurrency`] when the code is not in [`Currency::all`].
    pub fn from_code(code: &str) -> Result<Currency> {
        ALL.iter()
            .find(|c| c.code.as_slice() == code.as_bytes())
            .copied()
            .ok_or_else(|| Error::UnknownCurrency { code: code.to_owned() })
    }

    /// The three-letter ISO 4217 code, such as `"USD"`.
    pub fn code(&self) -> &str {
        // The code always comes from the ASCII table above.
        std::str::from_utf8(&self.code).unwrap_or("???")
    }

    /// The number of decimal places of the currency's smallest unit.
    pub fn minor_units(&self) -> u32 {
        self.minor_units
    }

    /// Every currency omskit knows.
    pub fn all() -> &'static [Currency] {
        ALL
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        struct CodeVisitor;

        impl Visitor<'_> for CodeVisitor {
            type Value = Currency;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO 4217 currency code string")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Currency, E> {
                Currency::from_code(v).map_err(E::custom)
            }
        }

        deserializer.deserialize_str(CodeVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_codes_are_unique_uppercase_and_parse_back() {
        let all = Currency::all();
        assert!(all.len() >= 43);
        let codes: HashSet<&str> = all.iter().map(|c| c.code()).collect();
        assert_eq!(codes.len(), all.len());
        for c in all {
            assert_eq!(c.code().len(), 3);
            assert!(c.code().bytes().all(|b| b.is_ascii_uppercase()));
            assert!(c.minor_units() <= 3);
            assert_eq!(Currency::from_code(c.code()).unwrap(), *c);
            assert_eq!(c.code().parse::<Currency>().unwrap(), *c);
        }
    }

    #[test]
    fn minor_units_match_iso_4217() {
        assert_eq!(Currency::USD.minor_units(), 2);
        assert_eq!(Currency::EUR.minor_units(), 2);
        assert_eq!(Currency::IDR.minor_units(), 2);
        for zero in [Currency::JPY, Currency::KRW, Currency::CLP, Currency::ISK, Currency::VND] {
            assert_eq!(zero.minor_units(), 0, "{zero}");
        }
        for three in [Currency::BHD, Currency::KWD, Currency::JOD, Currency::OMR, Currency::TND] {
            assert_eq!(three.minor_units(), 3, "{three}");
        }
    }

    #[test]
    fn unknown_or_malformed_codes_are_rejected() {
        for bad in ["usd", "Usd", "XXX", "", "US", "USDX", " USD", "USD ", "€"] {
            assert_eq!(
                Currency::from_code(bad),
                Err(Error::UnknownCurrency { code: bad.to_owned() }),
                "{bad:?}"
            );
        }
        assert!("abc".parse::<Currency>().is_err());
    }

    #[test]
    fn code_and_display() {
        assert_eq!(Currency::GBP.code(), "GBP");
        assert_eq!(Currency::GBP.to_string(), "GBP");
        assert_eq!(format!("{}", Currency::JPY), "JPY");
    }

    #[test]
    fn serde_uses_the_code_string() {
        assert_eq!(serde_json::to_string(&Currency::EUR).unwrap(), "\"EUR\"");
        assert_eq!(serde_json::from_str::<Currency>("\"BHD\"").unwrap(), Currency::BHD);
        let err = serde_json::from_str::<Currency>("\"ABC\"").unwrap_err();
        assert!(err.to_string().contains("ABC"), "{err}");
        assert!(serde_json::from_str::<Currency>("\"usd\"").is_err());
        assert!(serde_json::from_str::<Currency>("840").is_err());
    }
}
