// Errors that point at the field: a refused save shows the core's sentence as it is (no "field: " in
// front), and the input the core named by its field id (`data-field`) is marked invalid and focused
// until the person edits it. Inputs carry the core's limits (LIMITS in the bindings).
import { describe, expect, test } from 'vitest';
import { waitFor } from '@testing-library/svelte';
import { byId, openSection, renderApp, setDate } from './helpers';
import { installStub, refuse } from './stub';
import { FRONT_DESK, OWNER, practiceStaff, staffDto } from './data';
import { LIMITS } from '../lib/types';
import { charactersLeftNearLimit, markField } from '../lib/validation';

const PHONE_NEEDED = 'Add a phone number: phone is the preferred way to reach this client.';

async function fillNewClient(user: ReturnType<typeof renderApp>['user']) {
  await user.click(await byId('new-client'));
  await user.type(await byId('client-given-name'), 'Grace');
  await user.type(await byId('client-family-name'), 'Hopper');
  await setDate(await byId<HTMLInputElement>('client-dob'), '1956-12-09');
  const place = await byId<HTMLSelectElement>('client-jurisdiction');
  await waitFor(() => expect(place.options.length).toBeGreaterThan(2));
  await user.selectOptions(place, 'New York');
}

describe('a refused save points at its field', () => {
  test('the core refuses a client without the phone its contact preference needs: the phone input is marked and focused', async () => {
    // The core's side: clients::tests::a_missing_way_to_reach_the_client_points_at_its_field.
    const backend = installStub({
      signedInAs: FRONT_DESK,
      answers: { search_clients: [], create_client: refuse('invalid_input', PHONE_NEEDED, 'phone') },
    });
    const { user } = renderApp();
    await fillNewClient(user);
    await user.click(await byId('client-save'));

    const error = await byId('client-form-error');
    expect(error.textContent).toBe(PHONE_NEEDED);
    const phone = await byId<HTMLInputElement>('client-phone');
    expect(phone).toHaveAttribute('aria-invalid', 'true');
    expect(phone).toHaveFocus();
    expect(await byId('client-given-name')).not.toHaveAttribute('aria-invalid', 'true');
    expect(backend.callsOf('create_client')).toHaveLength(1);

    await user.type(phone, '5');
    expect(phone).not.toHaveAttribute('aria-invalid');
  });

  test('a field inside a checkbox group or select is found by its id, and a message without a field marks nothing', async () => {
    installStub({
      signedInAs: FRONT_DESK,
      answers: {
        search_clients: [],
        create_client: (_args: unknown, nth: number) => {
          if (nth === 0) {
            throw { code: 'invalid_input', message: 'Record the client’s permission to send email.', field: 'ok_to_email' };
          }
          throw { code: 'conflict', message: 'Someone changed this client meanwhile.', field: null };
        },
      },
    });
    const { user } = renderApp();
    await fillNewClient(user);
    await user.click(await byId('client-save'));
    const okToEmail = await byId('client-ok-email');
    expect(okToEmail).toHaveAttribute('aria-invalid', 'true');
    expect(okToEmail).toHaveFocus();

    await user.click(okToEmail);
    expect(okToEmail).not.toHaveAttribute('aria-invalid');
    await user.click(await byId('client-save'));
    expect(await byId('client-form-error')).toHaveTextContent('Someone changed this client meanwhile.');
    expect(document.querySelectorAll('#client-form [aria-invalid="true"]')).toHaveLength(0);
  });

  test('a name holding an invisible character: the core’s sentence is shown and the family name is marked', async () => {
    // The core's side: text::tests::invisible_characters_are_refused_in_plain_words (the sentence) and
    // properties::client_names_are_stored_composed_and_clean_or_refused_naming_the_field (the field).
    const INVISIBLE =
      'The family name contains an invisible character (such as a zero-width space or a direction mark), which a name cannot hold; type the name again without it.';
    const backend = installStub({
      signedInAs: FRONT_DESK,
      answers: { search_clients: [], create_client: refuse('invalid_input', INVISIBLE, 'family_name') },
    });
    const { user } = renderApp();
    await fillNewClient(user);
    await user.type(await byId('client-family-name'), '\u200B');
    await user.type(await byId('client-phone'), '555 0100 200');
    await user.click(await byId('client-save'));

    expect((await byId('client-form-error')).textContent).toBe(INVISIBLE);
    const family = await byId<HTMLInputElement>('client-family-name');
    expect(family).toHaveAttribute('aria-invalid', 'true');
    expect(family).toHaveFocus();
    expect(await byId('client-given-name')).not.toHaveAttribute('aria-invalid', 'true');
    // The name goes to the core as typed: the core decides what a name may hold.
    const sent = backend.callsOf('create_client')[0].args as { input: { familyName: string } };
    expect(sent.input.familyName).toBe('Hopper\u200B');
  });

  test('the staff form marks the name the core refused', async () => {
    installStub({
      signedInAs: OWNER,
      answers: {
        search_clients: [],
        list_staff: practiceStaff().map((member) => staffDto(member)),
        add_staff: refuse('invalid_input', 'Enter the person’s name.', 'display_name'),
      },
    });
    const { user } = renderApp();
    await openSection(user, 'staff');
    await user.click(await byId('add-staff'));
    await user.type(await byId('staff-login'), 'jsmith');
    await user.type(await byId('staff-name'), 'J');
    await user.type(await byId('staff-password'), 'correct horse battery staple');
    await user.click(await byId('staff-save'));
    expect((await byId('staff-error')).textContent).toBe('Enter the person’s name.');
    expect(await byId('staff-name')).toHaveAttribute('aria-invalid', 'true');
    expect(await byId('staff-name')).toHaveFocus();
  });
});

describe('inputs carry the core’s limits and say what they need', () => {
  test('phone is labelled as needed while phone or texts are the preferred way, optional otherwise', async () => {
    installStub({ signedInAs: FRONT_DESK, answers: { search_clients: [] } });
    const { user } = renderApp();
    await user.click(await byId('new-client'));
    const label = () => document.querySelector('label[for="client-phone"]')!.textContent!;
    expect(label()).toContain('needed');
    expect(label()).not.toContain('optional');
    await user.selectOptions(await byId('client-contact-preferred'), 'email');
    expect(label()).toContain('optional');
    expect(document.querySelector('label[for="client-email"]')!.textContent).toContain('needed');
    await user.selectOptions(await byId('client-contact-preferred'), 'mail');
    expect(document.querySelector('label[for="client-address"]')!.textContent).toContain('needed');

    expect(await byId('client-given-name')).toHaveAttribute('maxlength', String(LIMITS.personName));
    expect(await byId('client-phone')).toHaveAttribute('maxlength', String(LIMITS.phone));
    expect(await byId('client-address')).toHaveAttribute('maxlength', String(LIMITS.address));
  });

  test('a long text shows the characters left only near the limit', () => {
    expect(charactersLeftNearLimit('short', 2000)).toBeNull();
    expect(charactersLeftNearLimit('x'.repeat(1900), 2000)).toBe(100);
    expect(charactersLeftNearLimit('x'.repeat(2001), 2000)).toBe(-1);
  });

  test('the nearest form holding the field wins, and an unknown or malformed id marks nothing', () => {
    document.body.innerHTML = `
      <form id="a"><input id="a-phone" data-field="phone" /><p id="a-notice"></p></form>
      <form id="b"><input id="b-phone" data-field="phone" /><p id="b-notice"></p></form>`;
    const marked = markField(document.getElementById('b-notice')!, 'phone');
    expect(marked?.id).toBe('b-phone');
    expect(document.getElementById('a-phone')).not.toHaveAttribute('aria-invalid');
    expect(markField(document.getElementById('a-notice')!, 'email')).toBeNull();
    expect(markField(document.getElementById('a-notice')!, 'phone"], [id')).toBeNull();
    document.body.innerHTML = '';
  });
});

describe('the same refusal twice', () => {
  test('marks and focuses the field again after the person edited it', async () => {
    installStub({
      signedInAs: FRONT_DESK,
      answers: { search_clients: [], create_client: refuse('invalid_input', PHONE_NEEDED, 'phone') },
    });
    const { user } = renderApp();
    await fillNewClient(user);
    await user.click(await byId('client-save'));
    const phone = await byId<HTMLInputElement>('client-phone');
    await waitFor(() => expect(phone).toHaveAttribute('aria-invalid', 'true'));
    await user.type(phone, '1');
    expect(phone).not.toHaveAttribute('aria-invalid');
    await user.click(await byId('client-given-name'));
    await user.click(await byId('client-save'));
    await waitFor(() => expect(phone).toHaveAttribute('aria-invalid', 'true'));
    expect(phone).toHaveFocus();
  });
});
