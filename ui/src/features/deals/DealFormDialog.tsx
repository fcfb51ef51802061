// The create and edit forms of a deal, in a dialog. The server checks the values; its
// errors[] appear under their fields and anything else as a form error. An edit is sent
// with If-Match; a 412 offers to reload the latest version.
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, errorMessage } from '../../lib/api';
import { DEAL_STAGES } from '../../lib/enums';
import type { Deal, DealStage } from '../../lib/types';
import { Button } from '../../components/Button';
import { Dialog } from '../../components/Dialog';
import { FormError, SelectField, TextArea, TextField } from '../../components/Field';
import { useToast } from '../../components/Toast';
import { CONFLICT_MESSAGE, createDeal, dealKeys, updateDeal } from './api';
import type { DealInput } from './api';

interface Values {
  name: string;
  target_company: string;
  stage: DealStage;
  value: string;
  currency: string;
  description: string;
}

const FIELDS = ['name', 'target_company', 'stage', 'value', 'currency', 'description'] as const;

function fromDeal(deal: Deal | undefined): Values {
  return {
    name: deal?.name ?? '',
    target_company: deal?.target_company ?? '',
    stage: deal?.stage ?? 'sourcing',
    value: deal ? String(deal.value) : '',
    currency: deal?.currency ?? 'GBP',
    description: deal?.description ?? '',
  };
}

/** The form's values as the API takes them; a value that is not a number stays here. */
export function toInput(v: Values): { input: DealInput; valueError?: string } {
  const input: DealInput = {
    name: v.name.trim(),
    target_company: v.target_company.trim() === '' ? null : v.target_company.trim(),
    stage: v.stage,
    currency: v.currency.trim().toUpperCase(),
    description: v.description.trim() === '' ? null : v.description,
  };
  const raw = v.value.replace(/[\s,]/g, '');
  if (raw !== '') {
    const n = Number(raw);
    if (!Number.isFinite(n) || !/^[0-9.]+$/.test(raw)) {
      return { input, valueError: 'Enter an amount in figures, e.g. 2500000' };
    }
    input.value = n;
  }
  return { input };
}

export interface DealFormDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** The deal to edit; without it the dialog creates one. */
  deal?: Deal;
  onCreated?: (deal: Deal) => void;
  /** Fetches the latest version of the edited deal (after a 412). */
  onReload?: () => Promise<Deal | undefined>;
}

export function DealFormDialog({ open, onOpenChange, deal, onCreated, onReload }: DealFormDialogProps) {
  const qc = useQueryClient();
  const toast = useToast();
  const editing = deal !== undefined;
  const [values, setValues] = useState<Values>(() => fromDeal(deal));
  const [valueError, setValueError] = useState<string | undefined>();
  const [conflict, setConflict] = useState(false);
  const [reloading, setReloading] = useState(false);

  const mutation = useMutation<Deal, unknown, DealInput>({
    mutationFn: (input) => (deal ? updateDeal(deal.id, input, deal.version) : createDeal(input)),
    onSuccess: (saved) => {
      void qc.invalidateQueries({ queryKey: dealKeys.lists() });
      void qc.invalidateQueries({ queryKey: ['dashboard'] });
      if (deal) {
        qc.setQueryData(dealKeys.hierarchy(deal.id), (old: { deal: Deal } | undefined) =>
          old ? { ...old, deal: saved } : old,
        );
        void qc.invalidateQueries({ queryKey: dealKeys.hierarchy(deal.id) });
        toast.success(`Deal “${saved.name}” saved`);
      } else {
        toast.success(`Deal “${saved.name}” created`);
        onCreated?.(saved);
      }
      onOpenChange(false);
    },
    onError: (err) => {
      if (err instanceof ApiError && err.status === 412) setConflict(true);
    },
  });

  // A fresh form each time the dialog opens.
  const { reset } = mutation;
  useEffect(() => {
    if (open) {
      setValues(fromDeal(deal));
      setValueError(undefined);
      setConflict(false);
      reset();
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [open]);

  const err = mutation.error;
  const apiErr = err instanceof ApiError ? err : null;
  const fieldError = (f: (typeof FIELDS)[number]): string | undefined => {
    const m = apiErr?.fieldError(f);
    return m ? m.charAt(0).toUpperCase() + m.slice(1) : undefined;
  };
  const unplaced =
    apiErr && apiErr.status === 412
      ? null
      : apiErr && apiErr.errors.length > 0
        ? apiErr.errors
            .filter((e) => !(FIELDS as readonly string[]).includes(e.field))
            .map((e) => `${e.field}: ${e.message}`)
            .join('; ') || null
        : err
          ? errorMessage(err)
          : null;

  const set = (k: keyof Values) => (e: { target: { value: string } }) => {
    setValues((v) => ({ ...v, [k]: e.target.value }));
    if (k === 'value') setValueError(undefined);
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const { input, valueError: ve } = toInput(values);
    setValueError(ve);
    if (ve) return;
    mutation.mutate(input);
  };

  const reload = async () => {
    if (!onReload) return;
    setReloading(true);
    try {
      const fresh = await onReload();
      setValues(fromDeal(fresh));
      setConflict(false);
      mutation.reset();
    } catch (e) {
      toast.error(`The deal could not be reloaded: ${errorMessage(e)}`);
    } finally {
      setReloading(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange} title={editing ? 'Edit deal' : 'New deal'}>
      <form onSubmit={submit} noValidate className="deal-form">
        {conflict ? (
          <div className="deal-conflict" role="alert">
            <p>{CONFLICT_MESSAGE}.</p>
            <Button size="sm" busy={reloading} onClick={() => void reload()}>
              Reload
            </Button>
          </div>
        ) : null}
        <FormError message={unplaced} />
        <TextField label="Name" value={values.name} onChange={set('name')} error={fieldError('name')} maxLength={200} autoComplete="off" />
        <TextField
          label="Target company"
          value={values.target_company}
          onChange={set('target_company')}
          error={fieldError('target_company')}
          maxLength={200}
          autoComplete="off"
        />
        <SelectField label="Stage" value={values.stage} onChange={set('stage')} error={fieldError('stage')} options={DEAL_STAGES} />
        <div className="deal-form-money">
          <TextField
            label="Value"
            inputMode="decimal"
            value={values.value}
            onChange={set('value')}
            error={valueError ?? fieldError('value')}
            hint="In whole units, up to 2 decimals"
            autoComplete="off"
          />
          <TextField
            label="Currency"
            value={values.currency}
            onChange={set('currency')}
            error={fieldError('currency')}
            hint="ISO code, e.g. GBP"
            maxLength={3}
            autoComplete="off"
            className="deal-currency"
          />
        </div>
        <TextArea label="Description" value={values.description} onChange={set('description')} error={fieldError('description')} />
        <div className="dialog-actions">
          <Button onClick={() => onOpenChange(false)}>Cancel</Button>
          <Button type="submit" variant="primary" busy={mutation.isPending}>
            {editing ? 'Save changes' : 'Create deal'}
          </Button>
        </div>
      </form>
    </Dialog>
  );
}
