//! Carriers: the [`Carrier`] trait applications implement for real carrier
//! APIs, the [`CarrierRegistry`] the engine ships through, rate shopping, and
//! the built-in [`TableRateCarrier`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, Datelike, SecondsFormat, Utc, Weekday};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::{IdGenerator, SystemIds};
use crate::money::Currency;
use crate::order::country::is_iso3166_alpha2;
use crate::order::{check_amount, check_id, Address};

/// A service a carrier sells (`ground`, `express`...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLevel {
    /// The service's name, unique within its carrier.
    pub name: String,
    /// Business days from pick-up to delivery that the carrier promises.
    pub transit_days: u32,
}

/// One parcel to quote or label: its weight and outer dimensions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parcel {
    /// Weight in kilograms, above zero.
    pub weight_kg: Decimal,
    /// Length in centimetres, above zero.
    pub length_cm: Decimal,
    /// Width in centimetres, above zero.
    pub width_cm: Decimal,
    /// Height in centimetres, above zero.
    pub height_cm: Decimal,
}

/// What a carrier is asked to quote or label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateRequest {
    /// The code of the location the parcels leave from.
    pub origin: String,
    /// Where they go.
    pub destination: Address,
    /// The parcels, shipped together under one tracking number.
    pub parcels: Vec<Parcel>,
    /// When they are handed over (the start of transit).
    pub ship_at: DateTime<Utc>,
}

/// A carrier's price for one service.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateQuote {
    /// The carrier's name in the registry.
    pub carrier: String,
    /// The service.
    pub service: String,
    /// Price of the whole shipment.
    pub cost: Decimal,
    /// Currency of `cost`.
    pub currency: Currency,
    /// Business days in transit.
    pub transit_days: u32,
    /// When the carrier promises delivery.
    pub promised_delivery: DateTime<Utc>,
}

/// A bought label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Label {
    /// The tracking number the carrier assigned.
    pub tracking_number: String,
    /// The carrier's reference of the label document (to print or void it).
    pub label_reference: String,
    /// What the label cost.
    pub cost: Decimal,
    /// Currency of `cost`.
    pub currency: Currency,
    /// When the carrier promises delivery.
    pub promised_delivery: DateTime<Utc>,
}

/// A shipping carrier. omskit calls it outside any storage transaction, so
/// an implementation may block on the network.
pub trait Carrier: Send + Sync {
    /// The carrier's name, as registered and stored with shipments.
    fn name(&self) -> &str;

    /// The services it sells.
    fn services(&self) -> Vec<ServiceLevel>;

    /// Quotes for every service that can carry `request` (a service that
    /// cannot, for weight or destination, is left out).
    ///
    /// # Errors
    /// `Validation` for a request the carrier refuses outright; `Storage`
    /// (retryable) for a transient failure of the carrier's API.
    fn quote(&self, request: &RateRequest) -> Result<Vec<RateQuote>>;

    /// Buys a label for `service`.
    ///
    /// # Errors
    /// `NotFound` for an unknown service; `Validation` when the service
    /// cannot carry the request.
    fn create_label(&self, request: &RateRequest, service: &str) -> Result<Label>;

    /// Voids a label that will not be used.
    ///
    /// # Errors
    /// `NotFound` for an unknown tracking number.
    fn void_label(&self, tracking_number: &str) -> Result<()>;
}

/// The largest weight of one parcel, in kilograms, and the longest side, in
/// centimetres, that [`Parcel::validate`] accepts.
pub const MAX_PARCEL_MEASURE: Decimal = Decimal::ONE_THOUSAND;

/// The dimensional-weight divisor: cubic centimetres per billable kilogram.
pub const DIMENSIONAL_DIVISOR_CM3_PER_KG: u32 = 5_000;

/// The most transit days a [`TableRateCarrier`] service or zone may promise.
pub const MAX_TRANSIT_DAYS: u32 = 365;

impl Parcel {
    /// Checks that the weight and each dimension are above zero and at most
    /// [`MAX_PARCEL_MEASURE`] (1,000 kg or cm). `field` is the parcel's path
    /// in the request, such as `parcels[2]`; errors name the sub-field.
    ///
    /// # Errors
    ///
    /// `Validation` on `<field>.weight_kg`, `<field>.length_cm`,
    /// `<field>.width_cm` or `<field>.height_cm`, checked in that order.
    pub fn validate(&self, field: &str) -> Result<()> {
        let measures = [
            ("weight_kg", self.weight_kg, "kg"),
            ("length_cm", self.length_cm, "cm"),
            ("width_cm", self.width_cm, "cm"),
            ("height_cm", self.height_cm, "cm"),
        ];
        for (name, value, unit) in measures {
            let path =
                || if field.is_empty() { name.to_owned() } else { format!("{field}.{name}") };
            if value <= Decimal::ZERO {
                return Err(Error::validation(path(), "must be above zero"));
            }
            if value > MAX_PARCEL_MEASURE {
                return Err(Error::validation(
                    path(),
                    format!("must be at most {MAX_PARCEL_MEASURE} {unit}"),
                ));
            }
        }
        Ok(())
    }

    /// The weight a carrier bills: the larger of the actual weight and the
    /// dimensional weight, length × width × height /
    /// [`DIMENSIONAL_DIVISOR_CM3_PER_KG`] (5,000 cm³ per kg), computed in
    /// decimal. A 50 × 40 × 30 cm box weighing 2 kg bills 12 kg.
    ///
    /// Never panics: a product too large for [`Decimal`] (possible only for
    /// a parcel that fails [`Parcel::validate`]) saturates to
    /// [`Decimal::MAX`].
    pub fn billable_weight_kg(&self) -> Decimal {
        let dimensional = self
            .length_cm
            .checked_mul(self.width_cm)
            .and_then(|area| area.checked_mul(self.height_cm))
            .and_then(|volume| volume.checked_div(Decimal::from(DIMENSIONAL_DIVISOR_CM3_PER_KG)))
            .unwrap_or(Decimal::MAX);
        self.weight_kg.max(dimensional)
    }
}

/// The sum of the parcels' billable weights, saturating at [`Decimal::MAX`].
fn total_billable_weight(parcels: &[Parcel]) -> Decimal {
    parcels.iter().fold(Decimal::ZERO, |total, parcel| {
        total.checked_add(parcel.billable_weight_kg()).unwrap_or(Decimal::MAX)
    })
}

/// Orders quotes by cost, then transit days, carrier and service.
fn by_cost(a: &RateQuote, b: &RateQuote) -> std::cmp::Ordering {
    (a.cost, a.transit_days, &a.carrier, &a.service).cmp(&(
        b.cost,
        b.transit_days,
        &b.carrier,
        &b.service,
    ))
}

/// Orders quotes by promised delivery, then cost, carrier and service.
fn by_delivery(a: &RateQuote, b: &RateQuote) -> std::cmp::Ordering {
    (a.promised_delivery, a.cost, &a.carrier, &a.service).cmp(&(
        b.promised_delivery,
        b.cost,
        &b.carrier,
        &b.service,
    ))
}

/// The carriers the engine can ship through, by name.
///
/// Cloning is cheap (the carriers are shared). `Debug` lists the names only.
#[derive(Default, Clone)]
pub struct CarrierRegistry {
    carriers: BTreeMap<String, Arc<dyn Carrier>>,
}

impl fmt::Debug for CarrierRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CarrierRegistry").field("carriers", &self.names()).finish()
    }
}

impl CarrierRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `carrier` under its [`Carrier::name`], replacing any carrier
    /// registered under the same name.
    pub fn register(&mut self, carrier: Arc<dyn Carrier>) {
        self.carriers.insert(carrier.name().to_owned(), carrier);
    }

    /// The carrier registered as `name`.
    ///
    /// # Errors
    ///
    /// `NotFound` (entity `carrier`) when none is.
    pub fn get(&self, name: &str) -> Result<Arc<dyn Carrier>> {
        self.carriers.get(name).cloned().ok_or_else(|| Error::not_found("carrier", name))
    }

    /// The registered names, sorted.
    pub fn names(&self) -> Vec<String> {
        self.carriers.keys().cloned().collect()
    }

    /// True when no carrier is registered.
    pub fn is_empty(&self) -> bool {
        self.carriers.is_empty()
    }

    /// Every registered carrier's quotes for `request`, sorted by cost, then
    /// transit days, carrier name and service name. Each quote's `carrier`
    /// is set to the name the carrier is registered under. An empty registry
    /// gives an empty list.
    ///
    /// # Errors
    ///
    /// The first error a carrier returns (carriers are asked in name order).
    pub fn quote_all(&self, request: &RateRequest) -> Result<Vec<RateQuote>> {
        let mut quotes = Vec::new();
        for (name, carrier) in &self.carriers {
            for mut quote in carrier.quote(request)? {
                quote.carrier.clone_from(name);
                quotes.push(quote);
            }
        }
        quotes.sort_by(by_cost);
        Ok(quotes)
    }
}

/// How to pick one quote among several.
///
/// Serialized with a `rule` tag: `{"rule": "cheapest", "deliver_by":
/// "2026-01-05T23:59:59Z"}`, `{"rule": "fastest", "budget": "12.50"}`; the
/// optional field may be left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule", deny_unknown_fields)]
pub enum RateShopping {
    /// The cheapest quote promising delivery by `deliver_by` (any quote when
    /// `None`); ties go to fewer transit days, then carrier, then service
    /// name.
    Cheapest {
        /// The latest acceptable promised delivery.
        #[serde(default)]
        deliver_by: Option<DateTime<Utc>>,
    },
    /// The quote with the earliest promised delivery costing at most
    /// `budget` (any quote when `None`); ties go to the lower cost, then
    /// carrier, then service name.
    Fastest {
        /// The most the shipment may cost, in the quotes' currency.
        #[serde(default)]
        budget: Option<Decimal>,
    },
}

/// The outcome of [`RateShopping::choose`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateChoice {
    /// The winning quote.
    pub chosen: RateQuote,
    /// Every other quote, for the record, in the rule's order (cost first
    /// for `Cheapest`, delivery first for `Fastest`), whether or not it met
    /// the rule.
    pub rejected: Vec<RateQuote>,
}

impl RateShopping {
    /// Picks the quote this rule prefers.
    ///
    /// # Errors
    ///
    /// Checked in this order:
    /// * `Validation` on `budget` for a negative budget;
    /// * `Validation` on `carrier` when `quotes` is empty ("no carrier
    ///   service can carry this shipment");
    /// * `CurrencyMismatch` when a quote's currency differs from the first
    ///   quote's (`expected` is the first quote's);
    /// * `Validation` on `deliver_by` or `budget` when no quote meets the
    ///   rule.
    pub fn choose(&self, mut quotes: Vec<RateQuote>) -> Result<RateChoice> {
        if let RateShopping::Fastest { budget: Some(budget) } = self {
            if budget.is_sign_negative() && !budget.is_zero() {
                return Err(Error::validation("budget", "must not be negative"));
            }
        }
        let Some(currency) = quotes.first().map(|quote| quote.currency) else {
            return Err(Error::validation("carrier", "no carrier service can carry this shipment"));
        };
        if let Some(other) = quotes.iter().find(|quote| quote.currency != currency) {
            return Err(Error::CurrencyMismatch {
                expected: currency.code().to_owned(),
                found: other.currency.code().to_owned(),
            });
        }
        match *self {
            RateShopping::Cheapest { deliver_by } => {
                quotes.sort_by(by_cost);
                pick(quotes, |quote| deliver_by.is_none_or(|by| quote.promised_delivery <= by))
                    .ok_or_else(|| {
                        let by = deliver_by
                            .map(|by| by.to_rfc3339_opts(SecondsFormat::Secs, true))
                            .unwrap_or_default();
                        Error::validation(
                            "deliver_by",
                            format!("no carrier service delivers by {by}"),
                        )
                    })
            }
            RateShopping::Fastest { budget } => {
                quotes.sort_by(by_delivery);
                pick(quotes, |quote| budget.is_none_or(|budget| quote.cost <= budget)).ok_or_else(
                    || {
                        let budget = budget.map(|b| b.to_string()).unwrap_or_default();
                        Error::validation(
                            "budget",
                            format!("no carrier service costs at most {budget} {currency}"),
                        )
                    },
                )
            }
        }
    }
}

/// Splits sorted quotes into the first eligible one and the rest.
fn pick(mut sorted: Vec<RateQuote>, eligible: impl Fn(&RateQuote) -> bool) -> Option<RateChoice> {
    let index = sorted.iter().position(eligible)?;
    let chosen = sorted.remove(index);
    Some(RateChoice { chosen, rejected: sorted })
}

/// Delivery `transit_days` business days (Monday to Friday) after the day of
/// `ship_at`, at 23:59:59 UTC. Zero days is the ship day itself.
fn promised_delivery(ship_at: DateTime<Utc>, transit_days: u32) -> Result<DateTime<Utc>> {
    let overflow = || Error::Overflow { what: "promised delivery date".to_owned() };
    let mut date = ship_at.date_naive();
    for _ in 0..transit_days {
        date = date.succ_opt().ok_or_else(overflow)?;
        while matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            date = date.succ_opt().ok_or_else(overflow)?;
        }
    }
    date.and_hms_opt(23, 59, 59).map(|at| at.and_utc()).ok_or_else(overflow)
}

/// Prefix of the tracking numbers a [`TableRateCarrier`] issues.
const TRACKING_PREFIX: &str = "TR";
/// Crockford's base32 alphabet.
const CROCKFORD: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Base32 digits of a 128-bit value.
const TRACKING_DIGITS: u32 = 26;

/// `TR` and the 26 Crockford base32 digits of `value`, most significant first.
fn tracking_number(value: u128) -> String {
    let mut number = String::with_capacity(TRACKING_PREFIX.len() + TRACKING_DIGITS as usize);
    number.push_str(TRACKING_PREFIX);
    for digit in (0..TRACKING_DIGITS).rev() {
        let index = (value >> (5 * digit)) & 0x1F;
        number.push(char::from(CROCKFORD[index as usize]));
    }
    number
}

/// True when `number` has the shape [`tracking_number`] produces.
fn is_tracking_number(number: &str) -> bool {
    let Some(digits) = number.strip_prefix(TRACKING_PREFIX) else {
        return false;
    };
    let digits = digits.as_bytes();
    // The first digit carries the top 3 bits only.
    digits.len() == TRACKING_DIGITS as usize
        && digits.first().is_some_and(|first| (b'0'..=b'7').contains(first))
        && digits.iter().all(|digit| CROCKFORD.contains(digit))
}

/// One weight band: shipments up to `up_to_kg` cost `price`.
#[derive(Debug, Clone)]
struct Band {
    up_to_kg: Decimal,
    price: Decimal,
}

/// The rates of one service to one zone.
#[derive(Debug, Clone, Default)]
struct ZoneRates {
    /// Bands sorted by `up_to_kg`, ascending.
    bands: Vec<Band>,
    /// Overrides the service's transit days for this zone.
    transit_days: Option<u32>,
}

/// A carrier priced from a table of zones and weight bands, for tests,
/// examples and applications without a carrier API. Build one with
/// [`TableRateCarrier::builder`] or take [`TableRateCarrier::standard`].
///
/// * A destination country belongs to the zone that lists it, else to the
///   fallback zone (the one listing `"*"`); with neither, nothing is quoted.
/// * The shipment's weight is the sum of its parcels'
///   [`Parcel::billable_weight_kg`]. It costs the price of the smallest band
///   whose `up_to_kg` is at least that weight; a shipment heavier than the
///   largest band of a service and zone is not quoted for that service.
/// * Delivery is promised `transit_days` business days (Monday to Friday)
///   after the ship day, at 23:59:59 UTC.
/// * Tracking numbers are `TR` and the 26 Crockford base32 digits of an id
///   from the carrier's [`IdGenerator`] ([`SystemIds`] unless set with
///   [`TableRateCarrierBuilder::ids`]), so they are unique across processes;
///   label references are `label-` and the tracking number.
/// * The request's origin is not used.
pub struct TableRateCarrier {
    name: String,
    currency: Currency,
    /// In the order they were added.
    services: Vec<ServiceLevel>,
    /// Country code → zone name.
    countries: HashMap<String, String>,
    /// The zone of countries no zone lists.
    fallback_zone: Option<String>,
    /// Service → zone → rates.
    rates: HashMap<String, HashMap<String, ZoneRates>>,
    ids: Arc<dyn IdGenerator>,
    /// Tracking numbers voided by this instance.
    voided: Mutex<HashSet<String>>,
}

impl fmt::Debug for TableRateCarrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableRateCarrier")
            .field("name", &self.name)
            .field("currency", &self.currency)
            .field("services", &self.services)
            .finish_non_exhaustive()
    }
}

/// Configures a [`TableRateCarrier`]; [`TableRateCarrierBuilder::build`]
/// checks the whole configuration.
#[derive(Clone)]
pub struct TableRateCarrierBuilder {
    name: String,
    currency: Currency,
    zones: Vec<(String, Vec<String>)>,
    services: Vec<ServiceLevel>,
    rates: Vec<(String, String, Decimal, Decimal)>,
    transit: Vec<(String, String, u32)>,
    ids: Option<Arc<dyn IdGenerator>>,
}

impl fmt::Debug for TableRateCarrierBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TableRateCarrierBuilder")
            .field("name", &self.name)
            .field("currency", &self.currency)
            .field("zones", &self.zones)
            .field("services", &self.services)
            .field("rates", &self.rates)
            .field("transit", &self.transit)
            .finish_non_exhaustive()
    }
}

impl TableRateCarrierBuilder {
    /// Adds a zone: the destination countries (ISO 3166-1 alpha-2, upper
    /// case) that belong to it. `"*"` among them makes it the fallback zone
    /// for every country no zone lists.
    #[must_use]
    pub fn zone(mut self, zone: &str, countries: &[&str]) -> Self {
        self.zones.push((zone.to_owned(), countries.iter().map(|&c| c.to_owned()).collect()));
        self
    }

    /// Adds a service promising delivery in `transit_days` business days.
    #[must_use]
    pub fn service(mut self, name: &str, transit_days: u32) -> Self {
        self.services.push(ServiceLevel { name: name.to_owned(), transit_days });
        self
    }

    /// Adds a weight band to `service` in `zone`: a shipment whose billable
    /// weight is at most `up_to_kg` and above the next smaller band costs
    /// `price`, in the carrier's currency.
    #[must_use]
    pub fn rate(mut self, service: &str, zone: &str, up_to_kg: Decimal, price: Decimal) -> Self {
        self.rates.push((service.to_owned(), zone.to_owned(), up_to_kg, price));
        self
    }

    /// Overrides the transit days of `service` to `zone`.
    #[must_use]
    pub fn transit_days(mut self, service: &str, zone: &str, days: u32) -> Self {
        self.transit.push((service.to_owned(), zone.to_owned(), days));
        self
    }

    /// Sets the generator of tracking numbers (default: a new
    /// [`SystemIds`]); tests pass a [`crate::id::SequentialIds`].
    #[must_use]
    pub fn ids(mut self, ids: Arc<dyn IdGenerator>) -> Self {
        self.ids = Some(ids);
        self
    }

    /// Checks the configuration and builds the carrier.
    ///
    /// # Errors
    ///
    /// `Validation`, checked in this order, with list indices counting the
    /// calls of each builder method from 0:
    /// * `name`: empty, longer than 128 characters or with whitespace;
    /// * `services[i].name`: likewise, or a duplicate;
    ///   `services[i].transit_days`: above [`MAX_TRANSIT_DAYS`];
    /// * `zones[i].name`: like a service name; `zones[i].countries`: empty;
    ///   `zones[i].countries[j]`: not an assigned ISO 3166-1 alpha-2 code in
    ///   upper case nor `"*"`, or already in a zone (`"*"` included);
    /// * `rates[i].service`, `rates[i].zone`: unknown;
    ///   `rates[i].up_to_kg`: not above zero, or the same as another band of
    ///   that service and zone; `rates[i].price`: negative or finer than the
    ///   currency's minor unit;
    /// * `transit_days[i].service`, `transit_days[i].zone`: unknown;
    ///   `transit_days[i].days`: above [`MAX_TRANSIT_DAYS`] or a second
    ///   override of the same service and zone.
    pub fn build(self) -> Result<TableRateCarrier> {
        self.check()?;
        Ok(self.assemble())
    }

    /// The checks [`TableRateCarrierBuilder::build`] documents.
    fn check(&self) -> Result<()> {
        check_id("name", &self.name)?;

        let mut services = HashSet::new();
        for (i, service) in self.services.iter().enumerate() {
            let field = format!("services[{i}].name");
            check_id(&field, &service.name)?;
            if !services.insert(service.name.as_str()) {
                return Err(Error::validation(
                    field,
                    format!("duplicate service {}", service.name),
                ));
            }
            check_transit_days(&format!("services[{i}].transit_days"), service.transit_days)?;
        }

        let mut zones = HashSet::new();
        let mut zone_of: HashMap<&str, &str> = HashMap::new();
        for (i, (zone, countries)) in self.zones.iter().enumerate() {
            let field = format!("zones[{i}].name");
            check_id(&field, zone)?;
            if !zones.insert(zone.as_str()) {
                return Err(Error::validation(field, format!("duplicate zone {zone}")));
            }
            if countries.is_empty() {
                return Err(Error::validation(
                    format!("zones[{i}].countries"),
                    "at least one country",
                ));
            }
            for (j, country) in countries.iter().enumerate() {
                let field = format!("zones[{i}].countries[{j}]");
                if country != "*" && !is_iso3166_alpha2(country) {
                    return Err(Error::validation(
                        field,
                        format!(
                            "{country:?} is not an upper-case ISO 3166-1 alpha-2 code nor \"*\""
                        ),
                    ));
                }
                if let Some(other) = zone_of.insert(country, zone) {
                    return Err(Error::validation(
                        field,
                        format!("{country} is already in zone {other}"),
                    ));
                }
            }
        }

        let mut bands: HashSet<(&str, &str, Decimal)> = HashSet::new();
        for (i, (service, zone, up_to_kg, price)) in self.rates.iter().enumerate() {
            check_known(&format!("rates[{i}].service"), "service", service, &services)?;
            check_known(&format!("rates[{i}].zone"), "zone", zone, &zones)?;
            let field = format!("rates[{i}].up_to_kg");
            if *up_to_kg <= Decimal::ZERO {
                return Err(Error::validation(field, "must be above zero"));
            }
            // Decimal hashes by value, so 5 and 5.0 are the same band.
            if !bands.insert((service, zone, *up_to_kg)) {
                return Err(Error::validation(
                    field,
                    format!("{service} to {zone} already has a band up to {up_to_kg} kg"),
                ));
            }
            check_amount(&format!("rates[{i}].price"), *price, self.currency)?;
        }

        let mut overrides = HashSet::new();
        for (i, (service, zone, days)) in self.transit.iter().enumerate() {
            check_known(&format!("transit_days[{i}].service"), "service", service, &services)?;
            check_known(&format!("transit_days[{i}].zone"), "zone", zone, &zones)?;
            let field = format!("transit_days[{i}].days");
            check_transit_days(&field, *days)?;
            if !overrides.insert((service, zone)) {
                return Err(Error::validation(
                    field,
                    format!("{service} to {zone} already has its transit days"),
                ));
            }
        }
        Ok(())
    }

    /// Builds the carrier without checking (duplicates: the first wins).
    fn assemble(self) -> TableRateCarrier {
        let mut countries = HashMap::new();
        let mut fallback_zone = None;
        for (zone, codes) in self.zones {
            for code in codes {
                if code == "*" {
                    fallback_zone.get_or_insert_with(|| zone.clone());
                } else {
                    countries.entry(code).or_insert_with(|| zone.clone());
                }
            }
        }
        let mut rates: HashMap<String, HashMap<String, ZoneRates>> = HashMap::new();
        for (service, zone, up_to_kg, price) in self.rates {
            let entry = rates.entry(service).or_default().entry(zone).or_default();
            if entry.bands.iter().all(|band| band.up_to_kg != up_to_kg) {
                entry.bands.push(Band { up_to_kg, price });
            }
        }
        for zones in rates.values_mut() {
            for zone in zones.values_mut() {
                zone.bands.sort_by_key(|band| band.up_to_kg);
            }
        }
        for (service, zone, days) in self.transit {
            let entry = rates.entry(service).or_default().entry(zone).or_default();
            entry.transit_days.get_or_insert(days);
        }
        let mut services: Vec<ServiceLevel> = Vec::with_capacity(self.services.len());
        for service in self.services {
            if services.iter().all(|known| known.name != service.name) {
                services.push(service);
            }
        }
        TableRateCarrier {
            name: self.name,
            currency: self.currency,
            services,
            countries,
            fallback_zone,
            rates,
            ids: self.ids.unwrap_or_else(|| Arc::new(SystemIds::new())),
            voided: Mutex::new(HashSet::new()),
        }
    }
}

/// `Validation` on `field` when `days` is above [`MAX_TRANSIT_DAYS`].
fn check_transit_days(field: &str, days: u32) -> Result<()> {
    if days > MAX_TRANSIT_DAYS {
        return Err(Error::validation(field, format!("must be at most {MAX_TRANSIT_DAYS}")));
    }
    Ok(())
}

/// `Validation` on `field` when `name` is not among `known`.
fn check_known(field: &str, kind: &str, name: &str, known: &HashSet<&str>) -> Result<()> {
    if known.contains(name) {
        Ok(())
    } else {
        Err(Error::validation(field, format!("unknown {kind} {name:?}")))
    }
}

impl TableRateCarrier {
    /// Starts configuring a carrier named `name` whose prices are in
    /// `currency`.
    pub fn builder(name: &str, currency: Currency) -> TableRateCarrierBuilder {
        TableRateCarrierBuilder {
            name: name.to_owned(),
            currency,
            zones: Vec::new(),
            services: Vec::new(),
            rates: Vec::new(),
            transit: Vec::new(),
            ids: None,
        }
    }

    /// The configuration of [`TableRateCarrier::standard`], to extend or to
    /// give other ids before building.
    pub fn standard_builder(currency: Currency) -> TableRateCarrierBuilder {
        const DOMESTIC_GROUND: [(i64, i64); 4] = [(1, 500), (5, 850), (20, 1500), (70, 4000)];
        const INTERNATIONAL_GROUND: [(i64, i64); 4] =
            [(1, 1500), (5, 2500), (20, 4500), (70, 12000)];
        let price = |cents: i64| {
            Decimal::new(cents, 2).round_dp_with_strategy(
                currency.minor_units(),
                RoundingStrategy::MidpointAwayFromZero,
            )
        };
        let mut builder = TableRateCarrier::builder("table-rate", currency)
            .service("ground", 5)
            .service("express", 1)
            .zone("domestic", &["US"])
            .zone("international", &["*"]);
        for (zone, table) in
            [("domestic", DOMESTIC_GROUND), ("international", INTERNATIONAL_GROUND)]
        {
            for (up_to_kg, cents) in table {
                let up_to_kg = Decimal::from(up_to_kg);
                builder = builder.rate("ground", zone, up_to_kg, price(cents)).rate(
                    "express",
                    zone,
                    up_to_kg,
                    price(cents * 2),
                );
            }
        }
        builder
    }

    /// A ready-made carrier named `table-rate`, prices in `currency`
    /// (rounded to its minor unit: 8.50 is 9 in JPY):
    ///
    /// | service (transit)  | zone (countries)      | ≤ 1 kg | ≤ 5 kg | ≤ 20 kg | ≤ 70 kg |
    /// |--------------------|-----------------------|-------:|-------:|--------:|--------:|
    /// | `ground` (5 days)  | `domestic` (`US`)     |   5.00 |   8.50 |   15.00 |   40.00 |
    /// | `express` (1 day)  | `domestic` (`US`)     |  10.00 |  17.00 |   30.00 |   80.00 |
    /// | `ground` (5 days)  | `international` (`*`) |  15.00 |  25.00 |   45.00 |  120.00 |
    /// | `express` (1 day)  | `international` (`*`) |  30.00 |  50.00 |   90.00 |  240.00 |
    ///
    /// Shipments above 70 kg are not quoted. Tracking numbers come from a
    /// new [`SystemIds`].
    pub fn standard(currency: Currency) -> TableRateCarrier {
        // The configuration above is valid in every currency (a unit test
        // builds it in each), so it skips the checks.
        Self::standard_builder(currency).assemble()
    }

    /// The currency of its prices.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// True when this instance voided `tracking_number`.
    pub fn is_voided(&self, tracking_number: &str) -> bool {
        self.voided.lock().unwrap_or_else(PoisonError::into_inner).contains(tracking_number)
    }

    /// Validates `request`'s parcels; returns the destination zone (`None`
    /// when no zone serves it) and the total billable weight.
    fn assess(&self, request: &RateRequest) -> Result<(Option<&str>, Decimal)> {
        if request.parcels.is_empty() {
            return Err(Error::validation("parcels", "at least one parcel"));
        }
        for (i, parcel) in request.parcels.iter().enumerate() {
            parcel.validate(&format!("parcels[{i}]"))?;
        }
        let country = request.destination.country.to_ascii_uppercase();
        let zone = self.countries.get(&country).or(self.fallback_zone.as_ref());
        Ok((zone.map(String::as_str), total_billable_weight(&request.parcels)))
    }

    /// The quote of `service`, or (as the inner error) why it cannot carry
    /// the shipment.
    fn offer(
        &self,
        service: &ServiceLevel,
        request: &RateRequest,
        zone: Option<&str>,
        weight: Decimal,
    ) -> Result<std::result::Result<RateQuote, String>> {
        let what = format!("{}/{}", self.name, service.name);
        let Some(zone) = zone else {
            return Ok(Err(format!(
                "{what} does not deliver to {:?}",
                request.destination.country
            )));
        };
        let rates = self.rates.get(&service.name).and_then(|zones| zones.get(zone));
        let Some(rates) = rates.filter(|rates| !rates.bands.is_empty()) else {
            return Ok(Err(format!("{what} has no rates to zone {zone}")));
        };
        let Some(band) = rates.bands.iter().find(|band| weight <= band.up_to_kg) else {
            let max = rates.bands.last().map(|band| band.up_to_kg).unwrap_or_default();
            return Ok(Err(format!(
                "{what} carries at most {max} kg to zone {zone}, the shipment bills {weight} kg"
            )));
        };
        let transit_days = rates.transit_days.unwrap_or(service.transit_days);
        Ok(Ok(RateQuote {
            carrier: self.name.clone(),
            service: service.name.clone(),
            cost: band.price,
            currency: self.currency,
            transit_days,
            promised_delivery: promised_delivery(request.ship_at, transit_days)?,
        }))
    }
}

impl Carrier for TableRateCarrier {
    fn name(&self) -> &str {
        &self.name
    }

    fn services(&self) -> Vec<ServiceLevel> {
        self.services.clone()
    }

    /// One quote per service that can carry the shipment, in the order the
    /// services were added; none when the destination is in no zone.
    ///
    /// # Errors
    ///
    /// `Validation` on `parcels` when there are none and on
    /// `parcels[i].<measure>` for an invalid parcel (see
    /// [`Parcel::validate`]); `Overflow` when a promised delivery date is
    /// out of range.
    fn quote(&self, request: &RateRequest) -> Result<Vec<RateQuote>> {
        let (zone, weight) = self.assess(request)?;
        let mut quotes = Vec::new();
        for service in &self.services {
            if let Ok(quote) = self.offer(service, request, zone, weight)? {
                quotes.push(quote);
            }
        }
        Ok(quotes)
    }

    /// A label at the quoted cost and promised delivery, with a new
    /// tracking number.
    ///
    /// # Errors
    ///
    /// Checked in this order: the request, as for [`Carrier::quote`];
    /// `NotFound` (entity `carrier service`, id `<carrier>/<service>`) for
    /// an unknown service; `Validation` on `service` when it does not serve
    /// the destination or the shipment is too heavy for it.
    fn create_label(&self, request: &RateRequest, service: &str) -> Result<Label> {
        let (zone, weight) = self.assess(request)?;
        let level = self.services.iter().find(|level| level.name == service).ok_or_else(|| {
            Error::not_found("carrier service", format!("{}/{service}", self.name))
        })?;
        let quote = self
            .offer(level, request, zone, weight)?
            .map_err(|reason| Error::validation("service", reason))?;
        let tracking_number = tracking_number(self.ids.next_u128());
        Ok(Label {
            label_reference: format!("label-{tracking_number}"),
            tracking_number,
            cost: quote.cost,
            currency: quote.currency,
            promised_delivery: quote.promised_delivery,
        })
    }

    /// Marks the label void; voiding it again is a no-op. A number is
    /// recognised by its shape (`TR` and 26 Crockford base32 digits), so
    /// labels issued before a restart can be voided too.
    ///
    /// # Errors
    ///
    /// `NotFound` (entity `label`) for a number this carrier cannot have
    /// issued.
    fn void_label(&self, tracking_number: &str) -> Result<()> {
        if !is_tracking_number(tracking_number) {
            return Err(Error::not_found("label", tracking_number));
        }
        self.voided
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(tracking_number.to_owned());
        Ok(())
    }
}

/// A table-rate carrier's whole configuration as data (JSON from the
/// bindings, or a settings file): the same checks as the builder apply.
///
/// ```
/// use omskit_core::shipping::{TableRateCarrier, TableRateConfig};
///
/// let config: TableRateConfig = serde_json::from_str(r#"{
///     "name": "local-courier", "currency": "EUR",
///     "zones": [{"name": "home", "countries": ["DE", "AT"]}],
///     "services": [{"name": "next-day", "transit_days": 1}],
///     "rates": [{"service": "next-day", "zone": "home", "up_to_kg": "10", "price": "6.90"}]
/// }"#).unwrap();
/// let carrier = TableRateCarrier::from_config(&config)?;
/// assert_eq!(carrier.currency().code(), "EUR");
/// # Ok::<(), omskit_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRateConfig {
    /// The carrier's name.
    pub name: String,
    /// Currency of every price.
    pub currency: Currency,
    /// Zones by destination country.
    pub zones: Vec<TableRateZone>,
    /// Services sold.
    pub services: Vec<ServiceLevel>,
    /// Weight bands.
    pub rates: Vec<TableRateBand>,
    /// Per-zone transit overrides.
    #[serde(default)]
    pub transit_days: Vec<TableRateTransit>,
}

/// A zone of a [`TableRateConfig`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRateZone {
    /// Zone name.
    pub name: String,
    /// ISO 3166-1 alpha-2 countries; `"*"` for every other country.
    pub countries: Vec<String>,
}

/// A weight band of a [`TableRateConfig`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRateBand {
    /// Service name.
    pub service: String,
    /// Zone name.
    pub zone: String,
    /// Heaviest billable weight (kg) of the band.
    pub up_to_kg: Decimal,
    /// Price of a shipment in the band.
    pub price: Decimal,
}

/// A per-zone transit override of a [`TableRateConfig`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableRateTransit {
    /// Service name.
    pub service: String,
    /// Zone name.
    pub zone: String,
    /// Business days in transit.
    pub days: u32,
}

impl TableRateCarrier {
    /// A carrier from its configuration as data.
    ///
    /// # Errors
    /// `Validation` naming the offending field, as [`TableRateCarrierBuilder::build`].
    pub fn from_config(config: &TableRateConfig) -> Result<TableRateCarrier> {
        let mut builder = TableRateCarrier::builder(&config.name, config.currency);
        for zone in &config.zones {
            let countries: Vec<&str> = zone.countries.iter().map(String::as_str).collect();
            builder = builder.zone(&zone.name, &countries);
        }
        for service in &config.services {
            builder = builder.service(&service.name, service.transit_days);
        }
        for band in &config.rates {
            builder = builder.rate(&band.service, &band.zone, band.up_to_kg, band.price);
        }
        for t in &config.transit_days {
            builder = builder.transit_days(&t.service, &t.zone, t.days);
        }
        builder.build()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::id::SequentialIds;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn parcel(weight: &str, length: &str, width: &str, height: &str) -> Parcel {
        Parcel {
            weight_kg: dec(weight),
            length_cm: dec(length),
            width_cm: dec(width),
            height_cm: dec(height),
        }
    }

    /// A small, dense parcel: its billable weight is its actual weight.
    fn dense(weight: &str) -> Parcel {
        parcel(weight, "10", "10", "10")
    }

    fn address(country: &str) -> Address {
        Address {
            name: "Ada".to_owned(),
            line1: "1 Main St".to_owned(),
            line2: None,
            city: "Springfield".to_owned(),
            region: None,
            postal_code: None,
            country: country.to_owned(),
        }
    }

    /// Friday 2 January 2026, 10:00 UTC.
    fn friday() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 2, 10, 0, 0).unwrap()
    }

    fn end_of(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 23, 59, 59).unwrap()
    }

    fn request(country: &str, parcels: Vec<Parcel>) -> RateRequest {
        RateRequest {
            origin: "WH1".to_owned(),
            destination: address(country),
            parcels,
            ship_at: friday(),
        }
    }

    fn standard() -> TableRateCarrier {
        TableRateCarrier::standard_builder(Currency::USD)
            .ids(Arc::new(SequentialIds::new()))
            .build()
            .unwrap()
    }

    /// (service, cost) of each quote.
    fn prices(quotes: &[RateQuote]) -> Vec<(String, Decimal)> {
        quotes.iter().map(|q| (q.service.clone(), q.cost)).collect()
    }

    fn field_of(err: Error) -> String {
        match err {
            Error::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn message_of(err: Error) -> String {
        match err {
            Error::Validation { message, .. } => message,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn quote(carrier: &str, service: &str, cost: &str, days: u32) -> RateQuote {
        RateQuote {
            carrier: carrier.to_owned(),
            service: service.to_owned(),
            cost: dec(cost),
            currency: Currency::USD,
            transit_days: days,
            promised_delivery: promised_delivery(friday(), days).unwrap(),
        }
    }

    fn names(quotes: &[RateQuote]) -> Vec<String> {
        quotes.iter().map(|q| format!("{}/{}", q.carrier, q.service)).collect()
    }

    // --- Parcel ---

    #[test]
    fn parcel_validate_names_the_sub_field() {
        assert!(dense("1").validate("parcels[0]").is_ok());
        assert!(parcel("1000", "1000", "1000", "1000").validate("p").is_ok());
        let cases = [
            (parcel("0", "1", "1", "1"), "p.weight_kg", "must be above zero"),
            (parcel("-1", "1", "1", "1"), "p.weight_kg", "must be above zero"),
            (parcel("1", "1000.01", "1", "1"), "p.length_cm", "must be at most 1000 cm"),
            (parcel("1", "1", "-0.5", "1"), "p.width_cm", "must be above zero"),
            (parcel("1", "1", "1", "0"), "p.height_cm", "must be above zero"),
            (parcel("1001", "1", "1", "1"), "p.weight_kg", "must be at most 1000 kg"),
        ];
        for (parcel, field, message) in cases {
            match parcel.validate("p").unwrap_err() {
                Error::Validation { field: f, message: m } => {
                    assert_eq!(f, field);
                    assert_eq!(m, message);
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(field_of(parcel("0", "1", "1", "1").validate("").unwrap_err()), "weight_kg");
    }

    #[test]
    fn billable_weight_is_the_larger_of_actual_and_dimensional() {
        // Dense: 10 × 10 × 10 / 5000 = 0.2 kg dimensional.
        assert_eq!(dense("3").billable_weight_kg(), dec("3"));
        // Light and big: 50 × 40 × 30 / 5000 = 12 kg.
        assert_eq!(parcel("2", "50", "40", "30").billable_weight_kg(), dec("12"));
        // Exact in decimal: 10.5 × 10 × 10 / 5000 = 0.21.
        assert_eq!(parcel("0.1", "10.5", "10", "10").billable_weight_kg(), dec("0.21"));
        // Saturates instead of overflowing.
        let huge = Parcel {
            weight_kg: Decimal::ONE,
            length_cm: Decimal::MAX,
            width_cm: Decimal::MAX,
            height_cm: Decimal::MAX,
        };
        assert_eq!(huge.billable_weight_kg(), Decimal::MAX);
        assert_eq!(total_billable_weight(&[huge.clone(), huge]), Decimal::MAX);
    }

    // --- TableRateCarrier quotes ---

    #[test]
    fn bands_are_picked_at_their_boundaries() {
        let carrier = standard();
        let cost =
            |weight: &str| prices(&carrier.quote(&request("US", vec![dense(weight)])).unwrap());
        assert_eq!(cost("1"), [("ground".into(), dec("5.00")), ("express".into(), dec("10.00"))]);
        assert_eq!(cost("0.5")[0].1, dec("5.00"));
        assert_eq!(cost("1.001")[0].1, dec("8.50"));
        assert_eq!(cost("5")[0].1, dec("8.50"));
        assert_eq!(cost("5.001")[0].1, dec("15.00"));
        assert_eq!(cost("70"), [("ground".into(), dec("40.00")), ("express".into(), dec("80.00"))]);
        // Heavier than the largest band: no service quotes.
        assert!(cost("70.001").is_empty());
        // Parcels add up: 3 + 3 = 6 kg is in the 20 kg band.
        let two = carrier.quote(&request("US", vec![dense("3"), dense("3")])).unwrap();
        assert_eq!(two[0].cost, dec("15.00"));
    }

    #[test]
    fn dimensional_weight_wins_for_a_light_big_box() {
        let carrier = standard();
        // 2 kg actual, 12 kg dimensional: the 20 kg band.
        let quotes = carrier.quote(&request("US", vec![parcel("2", "50", "40", "30")])).unwrap();
        assert_eq!(quotes[0].cost, dec("15.00"));
        // 1000 cm cube: 200,000 kg dimensional, too heavy for any band.
        let cube = parcel("1", "1000", "1000", "1000");
        assert!(carrier.quote(&request("US", vec![cube])).unwrap().is_empty());
    }

    #[test]
    fn fallback_zone_and_unknown_country() {
        let carrier = standard();
        let quotes = carrier.quote(&request("FR", vec![dense("1")])).unwrap();
        assert_eq!(
            prices(&quotes),
            [("ground".into(), dec("15.00")), ("express".into(), dec("30.00"))]
        );
        // Lower case still finds the domestic zone.
        assert_eq!(carrier.quote(&request("us", vec![dense("1")])).unwrap()[0].cost, dec("5.00"));

        let domestic_only = TableRateCarrier::builder("local", Currency::USD)
            .service("ground", 2)
            .zone("domestic", &["US", "CA"])
            .rate("ground", "domestic", dec("10"), dec("7"))
            .build()
            .unwrap();
        assert_eq!(domestic_only.quote(&request("CA", vec![dense("1")])).unwrap().len(), 1);
        assert!(domestic_only.quote(&request("FR", vec![dense("1")])).unwrap().is_empty());
        let err =
            domestic_only.create_label(&request("FR", vec![dense("1")]), "ground").unwrap_err();
        assert!(message_of(err.clone()).contains("does not deliver to \"FR\""), "{err}");
        assert_eq!(field_of(err), "service");
    }

    #[test]
    fn quotes_are_in_the_carrier_currency_and_name() {
        let carrier = TableRateCarrier::standard(Currency::EUR);
        assert_eq!(carrier.currency(), Currency::EUR);
        let quotes = carrier.quote(&request("DE", vec![dense("1")])).unwrap();
        assert!(quotes.iter().all(|q| q.currency == Currency::EUR && q.carrier == "table-rate"));
        assert_eq!(
            carrier.services(),
            [
                ServiceLevel { name: "ground".into(), transit_days: 5 },
                ServiceLevel { name: "express".into(), transit_days: 1 }
            ]
        );
    }

    #[test]
    fn requests_are_validated() {
        let carrier = standard();
        let err = carrier.quote(&request("US", vec![])).unwrap_err();
        assert_eq!(err, Error::validation("parcels", "at least one parcel"));
        let bad = vec![dense("1"), parcel("1", "1", "1", "0")];
        assert_eq!(
            field_of(carrier.quote(&request("US", bad.clone())).unwrap_err()),
            "parcels[1].height_cm"
        );
        // Validation comes before the service lookup.
        let err = carrier.create_label(&request("US", bad), "nope").unwrap_err();
        assert_eq!(field_of(err), "parcels[1].height_cm");
    }

    #[test]
    fn business_days_skip_weekends() {
        let fri = friday();
        assert_eq!(fri.weekday(), Weekday::Fri);
        assert_eq!(promised_delivery(fri, 0).unwrap(), end_of(2026, 1, 2));
        assert_eq!(promised_delivery(fri, 1).unwrap(), end_of(2026, 1, 5)); // Monday
        assert_eq!(promised_delivery(fri, 5).unwrap(), end_of(2026, 1, 9)); // next Friday
        assert_eq!(promised_delivery(fri, 6).unwrap(), end_of(2026, 1, 12));
        let saturday = Utc.with_ymd_and_hms(2026, 1, 3, 8, 0, 0).unwrap();
        assert_eq!(promised_delivery(saturday, 1).unwrap(), end_of(2026, 1, 5));
        let wednesday = Utc.with_ymd_and_hms(2025, 12, 31, 23, 0, 0).unwrap();
        assert_eq!(promised_delivery(wednesday, 1).unwrap(), end_of(2026, 1, 1));
        // The end of chrono's range is an error, not a panic.
        let err = promised_delivery(DateTime::<Utc>::MAX_UTC, 1).unwrap_err();
        assert!(matches!(err, Error::Overflow { .. }), "{err:?}");

        let quotes = standard().quote(&request("US", vec![dense("1")])).unwrap();
        assert_eq!(quotes[0].transit_days, 5);
        assert_eq!(quotes[0].promised_delivery, end_of(2026, 1, 9));
        assert_eq!(quotes[1].transit_days, 1);
        assert_eq!(quotes[1].promised_delivery, end_of(2026, 1, 5));
    }

    #[test]
    fn transit_days_can_be_overridden_per_zone() {
        let carrier = TableRateCarrier::standard_builder(Currency::USD)
            .transit_days("ground", "international", 10)
            .build()
            .unwrap();
        let abroad = carrier.quote(&request("JP", vec![dense("1")])).unwrap();
        assert_eq!(abroad[0].transit_days, 10);
        assert_eq!(abroad[0].promised_delivery, end_of(2026, 1, 16));
        assert_eq!(abroad[1].transit_days, 1);
        let home = carrier.quote(&request("US", vec![dense("1")])).unwrap();
        assert_eq!(home[0].transit_days, 5);
    }

    // --- Builder ---

    #[test]
    fn standard_configuration_is_valid_in_every_currency() {
        for &currency in Currency::all() {
            let carrier = TableRateCarrier::standard_builder(currency).build();
            assert!(carrier.is_ok(), "{currency}: {carrier:?}");
        }
        let yen = TableRateCarrier::standard(Currency::JPY);
        let quotes = yen.quote(&request("US", vec![dense("5")])).unwrap();
        assert_eq!(prices(&quotes), [("ground".into(), dec("9")), ("express".into(), dec("17"))]);
    }

    #[test]
    fn builder_errors_name_their_field() {
        let base = || {
            TableRateCarrier::builder("acme", Currency::USD)
                .service("ground", 3)
                .zone("home", &["US"])
                .rate("ground", "home", dec("5"), dec("4.99"))
        };
        assert!(base().build().is_ok());
        let cases: Vec<(TableRateCarrierBuilder, &str)> = vec![
            (TableRateCarrier::builder("", Currency::USD), "name"),
            (TableRateCarrier::builder("a b", Currency::USD), "name"),
            (base().service("", 1), "services[1].name"),
            (base().service("ground", 1), "services[1].name"),
            (base().service("slow", MAX_TRANSIT_DAYS + 1), "services[1].transit_days"),
            (base().zone("home", &["CA"]), "zones[1].name"),
            (base().zone("away", &[]), "zones[1].countries"),
            (base().zone("away", &["FR", "usa"]), "zones[1].countries[1]"),
            (base().zone("away", &["fr"]), "zones[1].countries[0]"),
            (base().zone("away", &["XX"]), "zones[1].countries[0]"),
            (base().zone("away", &["**"]), "zones[1].countries[0]"),
            (base().zone("away", &["US"]), "zones[1].countries[0]"),
            (base().zone("away", &["FR", "FR"]), "zones[1].countries[1]"),
            (base().zone("a", &["*"]).zone("b", &["*"]), "zones[2].countries[0]"),
            (base().rate("air", "home", dec("1"), dec("1")), "rates[1].service"),
            (base().rate("ground", "mars", dec("1"), dec("1")), "rates[1].zone"),
            (base().rate("ground", "home", dec("0"), dec("1")), "rates[1].up_to_kg"),
            (base().rate("ground", "home", dec("-1"), dec("1")), "rates[1].up_to_kg"),
            (base().rate("ground", "home", dec("5.0"), dec("1")), "rates[1].up_to_kg"),
            (base().rate("ground", "home", dec("10"), dec("-0.01")), "rates[1].price"),
            (base().rate("ground", "home", dec("10"), dec("1.001")), "rates[1].price"),
            (base().transit_days("air", "home", 1), "transit_days[0].service"),
            (base().transit_days("ground", "mars", 1), "transit_days[0].zone"),
            (base().transit_days("ground", "home", 400), "transit_days[0].days"),
            (
                base().transit_days("ground", "home", 1).transit_days("ground", "home", 2),
                "transit_days[1].days",
            ),
        ];
        for (builder, field) in cases {
            let debug = format!("{builder:?}");
            assert_eq!(field_of(builder.build().unwrap_err()), field, "{debug}");
        }
        // Zero-price bands and fallback-only carriers are fine.
        let free = TableRateCarrier::builder("free", Currency::USD)
            .service("ground", 1)
            .zone("world", &["*"])
            .rate("ground", "world", dec("1"), dec("0"))
            .build()
            .unwrap();
        assert_eq!(free.quote(&request("BR", vec![dense("1")])).unwrap()[0].cost, Decimal::ZERO);
        let err = TableRateCarrier::builder("x", Currency::JPY)
            .service("s", 1)
            .zone("z", &["JP"])
            .rate("s", "z", dec("1"), dec("1.5"))
            .build()
            .unwrap_err();
        assert_eq!(err, Error::validation("rates[0].price", "JPY has 0 decimal places"));
    }

    #[test]
    fn bands_may_be_added_in_any_order() {
        let carrier = TableRateCarrier::builder("acme", Currency::USD)
            .service("ground", 3)
            .zone("home", &["US"])
            .rate("ground", "home", dec("10"), dec("9"))
            .rate("ground", "home", dec("2"), dec("3"))
            .build()
            .unwrap();
        let cost = |w: &str| carrier.quote(&request("US", vec![dense(w)])).unwrap()[0].cost;
        assert_eq!(cost("2"), dec("3"));
        assert_eq!(cost("2.01"), dec("9"));
    }

    // --- Labels ---

    #[test]
    fn labels_match_quotes_and_tracking_numbers_are_deterministic() {
        let carrier = standard();
        let req = request("US", vec![dense("1")]);
        let quotes = carrier.quote(&req).unwrap();
        let label = carrier.create_label(&req, "express").unwrap();
        assert_eq!(label.tracking_number, "TR01KDVDNA00E008000000000001");
        assert_eq!(label.label_reference, "label-TR01KDVDNA00E008000000000001");
        assert_eq!(label.cost, quotes[1].cost);
        assert_eq!(label.currency, Currency::USD);
        assert_eq!(label.promised_delivery, quotes[1].promised_delivery);
        let second = carrier.create_label(&req, "ground").unwrap();
        assert_eq!(second.tracking_number, "TR01KDVDNA00E008000000000002");
        // A second carrier with its own sequence repeats the numbers.
        assert_eq!(
            standard().create_label(&req, "ground").unwrap().tracking_number,
            label.tracking_number
        );
        assert_eq!(tracking_number(0), "TR00000000000000000000000000");
        assert_eq!(tracking_number(u128::MAX), "TR7ZZZZZZZZZZZZZZZZZZZZZZZZZ");
    }

    #[test]
    fn tracking_numbers_are_unique() {
        let carrier = TableRateCarrier::standard(Currency::USD);
        let req = request("US", vec![dense("1")]);
        let mut seen = HashSet::new();
        for _ in 0..2_000 {
            let number = carrier.create_label(&req, "ground").unwrap().tracking_number;
            assert!(is_tracking_number(&number), "{number}");
            assert!(seen.insert(number));
        }
        // Another instance (another process, after a restart) does not collide.
        let other = TableRateCarrier::standard(Currency::USD);
        for _ in 0..2_000 {
            assert!(seen.insert(other.create_label(&req, "ground").unwrap().tracking_number));
        }
    }

    #[test]
    fn create_label_errors() {
        let carrier = standard();
        let err = carrier.create_label(&request("US", vec![dense("1")]), "overnight").unwrap_err();
        assert_eq!(err, Error::not_found("carrier service", "table-rate/overnight"));
        let err = carrier.create_label(&request("US", vec![dense("71")]), "ground").unwrap_err();
        assert_eq!(field_of(err.clone()), "service");
        assert!(message_of(err).contains("at most 70 kg"));
        // A service with no band to the destination's zone.
        let partial = TableRateCarrier::standard_builder(Currency::USD)
            .service("freight", 7)
            .rate("freight", "domestic", dec("1000"), dec("300"))
            .build()
            .unwrap();
        let err = partial.create_label(&request("FR", vec![dense("1")]), "freight").unwrap_err();
        assert!(message_of(err).contains("no rates to zone international"));
        assert_eq!(partial.quote(&request("FR", vec![dense("1")])).unwrap().len(), 2);
        assert_eq!(partial.quote(&request("US", vec![dense("100")])).unwrap().len(), 1);
    }

    #[test]
    fn void_is_idempotent_and_rejects_unknown_numbers() {
        let carrier = standard();
        let label = carrier.create_label(&request("US", vec![dense("1")]), "ground").unwrap();
        assert!(!carrier.is_voided(&label.tracking_number));
        carrier.void_label(&label.tracking_number).unwrap();
        assert!(carrier.is_voided(&label.tracking_number));
        carrier.void_label(&label.tracking_number).unwrap();
        assert!(carrier.is_voided(&label.tracking_number));
        // Issued before a restart: still voidable.
        let restarted = standard();
        restarted.void_label(&label.tracking_number).unwrap();
        assert!(restarted.is_voided(&label.tracking_number));

        for bad in [
            "",
            "TR",
            "XYZ",
            "label-TR01KDVDNA00E008000000000001",
            "TR01KDVDNA00E00800000000000",   // 25 digits
            "TR01KDVDNA00E0080000000000011", // 27 digits
            "tr01kdvdna00e008000000000001",  // lower case
            "TR01KDVDNA00E00800000000000U",  // not Crockford
            "TR81KDVDNA00E008000000000001",  // more than 128 bits
        ] {
            assert_eq!(carrier.void_label(bad).unwrap_err(), Error::not_found("label", bad));
            assert!(!carrier.is_voided(bad));
        }
    }

    // --- Rate shopping ---

    #[test]
    fn cheapest_without_and_with_deliver_by() {
        let quotes = vec![
            quote("b", "express", "20", 1),
            quote("a", "ground", "8", 5),
            quote("c", "two-day", "12", 2),
        ];
        let any = RateShopping::Cheapest { deliver_by: None }.choose(quotes.clone()).unwrap();
        assert_eq!(names(&[any.chosen]), ["a/ground"]);
        assert_eq!(names(&any.rejected), ["c/two-day", "b/express"]);

        // Two business days from Friday is Tuesday 6 January.
        let by = RateShopping::Cheapest { deliver_by: Some(end_of(2026, 1, 6)) };
        let choice = by.choose(quotes.clone()).unwrap();
        assert_eq!(names(&[choice.chosen]), ["c/two-day"]);
        assert_eq!(names(&choice.rejected), ["a/ground", "b/express"]);

        // The bound is inclusive; one second earlier excludes two-day.
        let earlier = end_of(2026, 1, 6) - chrono::Duration::seconds(1);
        let choice = RateShopping::Cheapest { deliver_by: Some(earlier) }.choose(quotes).unwrap();
        assert_eq!(choice.chosen.carrier, "b");
    }

    #[test]
    fn cheapest_ties() {
        let quotes = vec![
            quote("b", "y", "10", 3),
            quote("b", "x", "10", 3),
            quote("a", "z", "10", 3),
            quote("z", "slow", "10.00", 4),
            quote("z", "fast", "10.0", 2),
        ];
        let choice = RateShopping::Cheapest { deliver_by: None }.choose(quotes).unwrap();
        assert_eq!(names(&[choice.chosen]), ["z/fast"]);
        assert_eq!(names(&choice.rejected), ["a/z", "b/x", "b/y", "z/slow"]);
    }

    #[test]
    fn fastest_with_and_without_budget() {
        let quotes = vec![
            quote("a", "ground", "8", 5),
            quote("b", "express", "20", 1),
            quote("c", "two-day", "12", 2),
        ];
        let choice = RateShopping::Fastest { budget: None }.choose(quotes.clone()).unwrap();
        assert_eq!(names(&[choice.chosen]), ["b/express"]);
        assert_eq!(names(&choice.rejected), ["c/two-day", "a/ground"]);
        let choice =
            RateShopping::Fastest { budget: Some(dec("12")) }.choose(quotes.clone()).unwrap();
        assert_eq!(names(&[choice.chosen]), ["c/two-day"]);
        assert_eq!(names(&choice.rejected), ["b/express", "a/ground"]);
        let choice = RateShopping::Fastest { budget: Some(dec("11.99")) }.choose(quotes).unwrap();
        assert_eq!(names(&[choice.chosen]), ["a/ground"]);

        // Ties on delivery: lower cost, then carrier, then service.
        let tied = vec![
            quote("b", "y", "9", 1),
            quote("b", "x", "9", 1),
            quote("a", "z", "9", 1),
            quote("z", "cheap", "8", 1),
        ];
        let choice = RateShopping::Fastest { budget: None }.choose(tied).unwrap();
        assert_eq!(names(&[choice.chosen]), ["z/cheap"]);
        assert_eq!(names(&choice.rejected), ["a/z", "b/x", "b/y"]);
    }

    #[test]
    fn choose_errors() {
        let cheapest = RateShopping::Cheapest { deliver_by: None };
        assert_eq!(
            cheapest.choose(vec![]).unwrap_err(),
            Error::validation("carrier", "no carrier service can carry this shipment")
        );
        let quotes = vec![quote("a", "ground", "8", 5), quote("b", "express", "20", 1)];

        let early = RateShopping::Cheapest { deliver_by: Some(end_of(2026, 1, 2)) };
        assert_eq!(
            early.choose(quotes.clone()).unwrap_err(),
            Error::validation("deliver_by", "no carrier service delivers by 2026-01-02T23:59:59Z")
        );
        let poor = RateShopping::Fastest { budget: Some(dec("7.99")) };
        assert_eq!(
            poor.choose(quotes.clone()).unwrap_err(),
            Error::validation("budget", "no carrier service costs at most 7.99 USD")
        );
        // A negative budget is rejected first, even without quotes.
        let negative = RateShopping::Fastest { budget: Some(dec("-1")) };
        assert_eq!(field_of(negative.choose(vec![]).unwrap_err()), "budget");
        assert_eq!(
            negative.choose(quotes.clone()).unwrap_err(),
            Error::validation("budget", "must not be negative")
        );
        let zero = RateShopping::Fastest { budget: Some(Decimal::ZERO) };
        assert_eq!(field_of(zero.choose(quotes.clone()).unwrap_err()), "budget");

        let mut mixed = quotes;
        mixed[1].currency = Currency::EUR;
        mixed[1].cost = dec("1");
        assert_eq!(
            cheapest.choose(mixed).unwrap_err(),
            Error::CurrencyMismatch { expected: "USD".into(), found: "EUR".into() }
        );
    }

    #[test]
    fn rate_shopping_serde() {
        let rule = RateShopping::Cheapest { deliver_by: Some(end_of(2026, 1, 5)) };
        let json = serde_json::to_value(&rule).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"rule": "cheapest", "deliver_by": "2026-01-05T23:59:59Z"})
        );
        assert_eq!(serde_json::from_value::<RateShopping>(json).unwrap(), rule);
        let fastest: RateShopping = serde_json::from_str(r#"{"rule": "fastest"}"#).unwrap();
        assert_eq!(fastest, RateShopping::Fastest { budget: None });
        let fastest: RateShopping =
            serde_json::from_str(r#"{"rule": "fastest", "budget": "12.50"}"#).unwrap();
        assert_eq!(fastest, RateShopping::Fastest { budget: Some(dec("12.5")) });
        assert!(serde_json::from_str::<RateShopping>(r#"{"rule": "fastest", "deliver_by": null}"#)
            .is_err());
        assert!(serde_json::from_str::<RateShopping>(r#"{"rule": "slowest"}"#).is_err());

        let choice =
            RateChoice { chosen: quote("a", "g", "1", 1), rejected: vec![quote("b", "h", "2", 2)] };
        let json = serde_json::to_string(&choice).unwrap();
        assert_eq!(serde_json::from_str::<RateChoice>(&json).unwrap(), choice);
    }

    // --- Registry ---

    /// A carrier that is down.
    struct Down;

    impl Carrier for Down {
        fn name(&self) -> &str {
            "down"
        }
        fn services(&self) -> Vec<ServiceLevel> {
            Vec::new()
        }
        fn quote(&self, _: &RateRequest) -> Result<Vec<RateQuote>> {
            Err(Error::Storage { message: "timeout".into(), retryable: true })
        }
        fn create_label(&self, _: &RateRequest, service: &str) -> Result<Label> {
            Err(Error::not_found("carrier service", service))
        }
        fn void_label(&self, tracking_number: &str) -> Result<()> {
            Err(Error::not_found("label", tracking_number))
        }
    }

    /// A carrier that reports quotes under another name.
    struct Misnamed;

    impl Carrier for Misnamed {
        fn name(&self) -> &str {
            "misnamed"
        }
        fn services(&self) -> Vec<ServiceLevel> {
            vec![ServiceLevel { name: "post".into(), transit_days: 3 }]
        }
        fn quote(&self, _: &RateRequest) -> Result<Vec<RateQuote>> {
            Ok(vec![quote("something-else", "post", "6", 3)])
        }
        fn create_label(&self, _: &RateRequest, service: &str) -> Result<Label> {
            Err(Error::not_found("carrier service", service))
        }
        fn void_label(&self, tracking_number: &str) -> Result<()> {
            Err(Error::not_found("label", tracking_number))
        }
    }

    fn budget_post() -> Arc<dyn Carrier> {
        Arc::new(
            TableRateCarrier::builder("budget-post", Currency::USD)
                .service("letter", 7)
                .zone("all", &["*"])
                .rate("letter", "all", dec("2"), dec("5.00"))
                .ids(Arc::new(SequentialIds::new()))
                .build()
                .unwrap(),
        )
    }

    #[test]
    fn registry_register_get_and_names() {
        let mut registry = CarrierRegistry::new();
        assert!(registry.is_empty());
        assert_eq!(
            registry.get("table-rate").err(),
            Some(Error::not_found("carrier", "table-rate"))
        );
        registry.register(Arc::new(standard()));
        registry.register(budget_post());
        assert!(!registry.is_empty());
        assert_eq!(registry.names(), ["budget-post", "table-rate"]);
        assert_eq!(registry.get("budget-post").unwrap().name(), "budget-post");
        assert_eq!(
            format!("{registry:?}"),
            r#"CarrierRegistry { carriers: ["budget-post", "table-rate"] }"#
        );

        // Same name: replaced.
        registry.register(Arc::new(TableRateCarrier::standard(Currency::EUR)));
        assert_eq!(registry.names(), ["budget-post", "table-rate"]);
        let quotes =
            registry.get("table-rate").unwrap().quote(&request("US", vec![dense("1")])).unwrap();
        assert_eq!(quotes[0].currency, Currency::EUR);

        // Clones share the carriers but not the map.
        let mut copy = registry.clone();
        copy.register(Arc::new(Down));
        assert_eq!(copy.names().len(), 3);
        assert_eq!(registry.names().len(), 2);
    }

    #[test]
    fn quote_all_is_sorted_and_fails_with_a_carrier() {
        let mut registry = CarrierRegistry::default();
        assert!(registry.quote_all(&request("US", vec![dense("1")])).unwrap().is_empty());
        registry.register(Arc::new(standard()));
        registry.register(budget_post());
        registry.register(Arc::new(Misnamed));
        let quotes = registry.quote_all(&request("US", vec![dense("1")])).unwrap();
        let got: Vec<(String, Decimal, u32)> = quotes
            .iter()
            .map(|q| (format!("{}/{}", q.carrier, q.service), q.cost, q.transit_days))
            .collect();
        assert_eq!(
            got,
            [
                ("table-rate/ground".to_owned(), dec("5"), 5),
                ("budget-post/letter".to_owned(), dec("5"), 7),
                ("misnamed/post".to_owned(), dec("6"), 3),
                ("table-rate/express".to_owned(), dec("10"), 1),
            ]
        );
        // The whole pipeline: quotes, then a rule, then the chosen carrier's label.
        let choice = RateShopping::Fastest { budget: Some(dec("6")) }.choose(quotes).unwrap();
        assert_eq!(choice.chosen.carrier, "misnamed");
        let choice = RateShopping::Cheapest { deliver_by: None }
            .choose(registry.quote_all(&request("US", vec![dense("1")])).unwrap())
            .unwrap();
        let carrier = registry.get(&choice.chosen.carrier).unwrap();
        let label =
            carrier.create_label(&request("US", vec![dense("1")]), &choice.chosen.service).unwrap();
        assert_eq!(label.cost, choice.chosen.cost);

        registry.register(Arc::new(Down));
        let err = registry.quote_all(&request("US", vec![dense("1")])).unwrap_err();
        assert_eq!(err, Error::Storage { message: "timeout".into(), retryable: true });
        // Invalid requests surface the carrier's validation error.
        let mut valid_only = CarrierRegistry::new();
        valid_only.register(Arc::new(standard()));
        let err = valid_only.quote_all(&request("US", vec![])).unwrap_err();
        assert_eq!(field_of(err), "parcels");
    }
}
