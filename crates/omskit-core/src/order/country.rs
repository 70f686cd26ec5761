//! ISO 3166-1 alpha-2 country codes (the 249 officially assigned codes).

const CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS \
BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ \
FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT \
JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP \
MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE \
RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV \
TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW";

/// True for an officially assigned ISO 3166-1 alpha-2 code (upper case).
pub(crate) fn is_iso3166_alpha2(code: &str) -> bool {
    // CODES is sorted and every entry is two letters and a space: binary search it in place.
    let table = CODES.as_bytes();
    let code = code.as_bytes();
    if code.len() != 2 || !code.iter().all(u8::is_ascii_uppercase) {
        return false;
    }
    let (mut low, mut high) = (0, table.len().div_ceil(3));
    while low < high {
        let mid = (low + high) / 2;
        match table[mid * 3..mid * 3 + 2].cmp(code) {
            std::cmp::Ordering::Less => low = mid + 1,
            std::cmp::Ordering::Greater => high = mid,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knows_the_249_codes() {
        assert_eq!(CODES.split(' ').count(), 249);
        let codes: Vec<&str> = CODES.split(' ').collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted, for the binary search");
        assert!(codes.iter().all(|c| is_iso3166_alpha2(c)), "every listed code is found");
        let codes: Vec<&str> = CODES.split(' ').collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "sorted, for the binary search");
        assert!(codes.iter().all(|c| is_iso3166_alpha2(c)), "every listed code is found");
        assert!(is_iso3166_alpha2("US") && is_iso3166_alpha2("DE") && is_iso3166_alpha2("ZW"));
        for bad in ["us", "XX", "USA", "", "U", "ÜS"] {
            assert!(!is_iso3166_alpha2(bad), "{bad}");
        }
    }
}
