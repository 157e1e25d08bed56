//! Clients: search, records, status and care teams.

use saferoom_core::clients::{self, Billing, Client, ClientInput, ClientStatus, ClientSummary, ContactPreferences};
use saferoom_core::ids::{ClientId, StaffId};
use serde::{Deserialize, Serialize};
use tauri::State;

use super::wire::{ClientStatusDto, ContactChannelDto};
use crate::error::CommandResult;
use crate::state::AppState;

/// A client as listed.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientSummaryDto {
    id: String,
    display_name: String,
    date_of_birth: String,
    status: ClientStatusDto,
    jurisdiction: String,
}

impl From<ClientSummary> for ClientSummaryDto {
    fn from(client: ClientSummary) -> Self {
        ClientSummaryDto {
            id: client.id.to_string(),
            display_name: client.display_name,
            date_of_birth: client.date_of_birth,
            status: client.status.into(),
            jurisdiction: client.jurisdiction,
        }
    }
}

/// Contact preferences on the wire.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ContactDto {
    // Text on the way in, so that a wrong one is the core's `invalid_input`, not an IPC error.
    #[specta(type = ContactChannelDto)]
    preferred: String,
    ok_to_leave_voicemail: bool,
    ok_to_text: bool,
    ok_to_email: bool,
}

/// Billing on the wire: `{ mode: 'private_pay' }` or `{ mode: 'insurance', payer, memberId }`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, specta::Type)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum BillingDto {
    /// Private pay.
    PrivatePay,
    /// Insurance.
    #[serde(rename_all = "camelCase")]
    Insurance {
        /// Payer.
        payer: String,
        /// Member id.
        member_id: String,
    },
}

impl From<ContactPreferences> for ContactDto {
    fn from(contact: ContactPreferences) -> Self {
        let preferred = serde_json::to_value(contact.preferred)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        ContactDto {
            preferred,
            ok_to_leave_voicemail: contact.ok_to_leave_voicemail,
            ok_to_text: contact.ok_to_text,
            ok_to_email: contact.ok_to_email,
        }
    }
}

impl TryFrom<ContactDto> for ContactPreferences {
    type Error = saferoom_core::Error;

    fn try_from(contact: ContactDto) -> Result<Self, Self::Error> {
        let preferred = serde_json::from_value(serde_json::Value::String(contact.preferred)).map_err(|_| {
            saferoom_core::Error::InvalidInput {
                field: "contact_preference",
                reason: "Choose phone, text, email or mail as the preferred way to reach the client.".into(),
            }
        })?;
        Ok(ContactPreferences {
            preferred,
            ok_to_leave_voicemail: contact.ok_to_leave_voicemail,
            ok_to_text: contact.ok_to_text,
            ok_to_email: contact.ok_to_email,
        })
    }
}

impl From<Billing> for BillingDto {
    fn from(billing: Billing) -> Self {
        match billing {
            Billing::PrivatePay => BillingDto::PrivatePay,
            Billing::Insurance { payer, member_id } => BillingDto::Insurance { payer, member_id },
        }
    }
}

impl From<BillingDto> for Billing {
    fn from(billing: BillingDto) -> Self {
        match billing {
            BillingDto::PrivatePay => Billing::PrivatePay,
            BillingDto::Insurance { payer, member_id } => Billing::Insurance { payer, member_id },
        }
    }
}

/// What the client form sends.
#[derive(Debug, Clone, Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientInputDto {
    given_name: String,
    family_name: String,
    preferred_name: Option<String>,
    date_of_birth: String,
    pronouns: Option<String>,
    jurisdiction: String,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    contact: ContactDto,
    billing: BillingDto,
}

impl TryFrom<ClientInputDto> for ClientInput {
    type Error = saferoom_core::Error;

    fn try_from(input: ClientInputDto) -> Result<Self, Self::Error> {
        Ok(ClientInput {
            given_name: input.given_name,
            family_name: input.family_name,
            preferred_name: input.preferred_name,
            date_of_birth: input.date_of_birth,
            pronouns: input.pronouns,
            jurisdiction: input.jurisdiction,
            email: input.email,
            phone: input.phone,
            address: input.address,
            contact: input.contact.try_into()?,
            billing: input.billing.into(),
        })
    }
}

/// A staff member named in a record.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct StaffRefDto {
    pub(crate) id: String,
    pub(crate) display_name: String,
}

impl StaffRefDto {
    pub(crate) fn new(id: &StaffId, name: &str) -> StaffRefDto {
        StaffRefDto { id: id.to_string(), display_name: name.to_owned() }
    }
}

/// A client record.
#[derive(Debug, Serialize, PartialEq, Eq, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ClientDto {
    id: String,
    given_name: String,
    family_name: String,
    preferred_name: Option<String>,
    date_of_birth: String,
    pronouns: Option<String>,
    jurisdiction: String,
    email: Option<String>,
    phone: Option<String>,
    address: Option<String>,
    contact: ContactDto,
    billing: BillingDto,
    display_name: String,
    status: ClientStatusDto,
    discharged_on: Option<String>,
    care_team: Vec<StaffRefDto>,
    created_at: String,
    updated_at: String,
    clinical_access: bool,
    via_break_glass: bool,
}

impl From<Client> for ClientDto {
    fn from(client: Client) -> Self {
        let input = client.input;
        ClientDto {
            id: client.id.to_string(),
            given_name: input.given_name,
            family_name: input.family_name,
            preferred_name: input.preferred_name,
            date_of_birth: input.date_of_birth,
            pronouns: input.pronouns,
            jurisdiction: input.jurisdiction,
            email: input.email,
            phone: input.phone,
            address: input.address,
            contact: input.contact.into(),
            billing: input.billing.into(),
            display_name: client.display_name,
            status: client.status.into(),
            discharged_on: client.discharged_on,
            care_team: client.care_team.iter().map(|(id, name)| StaffRefDto::new(id, name)).collect(),
            created_at: client.created_at,
            updated_at: client.updated_at,
            clinical_access: client.access.clinical,
            via_break_glass: client.access.via_break_glass,
        }
    }
}

#[tauri::command]
#[specta::specta]
pub async fn list_clients(state: State<'_, AppState>) -> CommandResult<Vec<ClientSummaryDto>> {
    state.call_list(|vault, session, now| clients::list(vault, session, now))
}

#[tauri::command]
#[specta::specta]
pub async fn search_clients(
    state: State<'_, AppState>,
    query: String,
    include_discharged: bool,
) -> CommandResult<Vec<ClientSummaryDto>> {
    state.call_list(|vault, session, now| clients::search(vault, session, &query, include_discharged, now))
}

#[tauri::command]
#[specta::specta]
pub async fn create_client(state: State<'_, AppState>, input: ClientInputDto) -> CommandResult<ClientDto> {
    let input = ClientInput::try_from(input)?;
    state.call(|vault, session, now| clients::create(vault, session, input, now))
}

#[tauri::command]
#[specta::specta]
pub async fn get_client(state: State<'_, AppState>, client_id: String) -> CommandResult<ClientDto> {
    let client_id = ClientId::parse(&client_id)?;
    state.call(|vault, session, now| clients::get(vault, session, &client_id, now))
}

#[tauri::command]
#[specta::specta]
pub async fn update_client(
    state: State<'_, AppState>,
    client_id: String,
    input: ClientInputDto,
) -> CommandResult<ClientDto> {
    let (client_id, input) = (ClientId::parse(&client_id)?, ClientInput::try_from(input)?);
    state.call(|vault, session, now| clients::update(vault, session, &client_id, input, now))
}

#[tauri::command]
#[specta::specta]
pub async fn set_client_status(
    state: State<'_, AppState>,
    client_id: String,
    status: String,
) -> CommandResult<ClientDto> {
    let (client_id, status) = (ClientId::parse(&client_id)?, ClientStatus::parse(&status)?);
    state.call(|vault, session, now| clients::set_status(vault, session, &client_id, status, now))
}

#[tauri::command]
#[specta::specta]
pub async fn set_care_team(
    state: State<'_, AppState>,
    client_id: String,
    staff_ids: Vec<String>,
) -> CommandResult<ClientDto> {
    let client_id = ClientId::parse(&client_id)?;
    let staff_ids = staff_ids.iter().map(|id| StaffId::parse(id)).collect::<Result<Vec<_>, _>>()?;
    state.call(|vault, session, now| clients::set_care_team(vault, session, &client_id, &staff_ids, now))
}
