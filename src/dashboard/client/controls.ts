import { apiFetch, statusPath } from './api.js';
import { byId, formatCount, setText, show } from './dom.js';
import type { Campaign } from './types.js';

/**
 * Pause, resume and cancel (POST /status/{requestId}/pause|resume|cancel), offered by the campaign's
 * state. Cancelling asks first, in a dialog that can also hang up the calls in progress (?hangup=true).
 */
export class CampaignControls {
  private campaign: Campaign | null = null;
  private readonly pause = byId<HTMLButtonElement>('pause-campaign');
  private readonly resume = byId<HTMLButtonElement>('resume-campaign');
  private readonly cancel = byId<HTMLButtonElement>('cancel-campaign');
  private readonly dialog = byId<HTMLDialogElement>('cancel-dialog');

  constructor(
    private readonly onDone: () => void,
    private readonly onError: (error: unknown) => void,
  ) {
    this.pause.addEventListener('click', () => void this.act('pause'));
    this.resume.addEventListener('click', () => void this.act('resume'));
    this.cancel.addEventListener('click', () => this.confirmCancel());
    this.dialog.addEventListener('close', () => {
      if (this.dialog.returnValue === 'cancel') void this.act('cancel', byId<HTMLInputElement>('cancel-hangup').checked);
    });
  }

  /** Shows the actions the campaign's state allows (none for a finished or cancelled one). */
  update(campaign: Campaign | null): void {
    this.campaign = campaign;
    const status = campaign?.status;
    show(this.pause, status === 'submitted' || status === 'onProgress');
    show(this.resume, status === 'paused');
    show(this.cancel, status === 'submitted' || status === 'onProgress' || status === 'paused');
  }

  private confirmCancel(): void {
    if (!this.campaign) return;
    setText(byId('cancel-dialog-name'), this.campaign.requestId);
    setText(byId('cancel-in-progress'), formatCount(this.campaign.summary.inProgress));
    byId<HTMLInputElement>('cancel-hangup').checked = false;
    this.dialog.returnValue = '';
    this.dialog.showModal();
  }

  private async act(action: 'pause' | 'resume' | 'cancel', hangup = false): Promise<void> {
    const campaign = this.campaign;
    if (!campaign) return;
    const buttons = [this.pause, this.resume, this.cancel];
    for (const button of buttons) button.disabled = true;
    try {
      await apiFetch(statusPath(campaign.requestId, `/${action}${hangup ? '?hangup=true' : ''}`), { method: 'POST' });
    } catch (error) {
      this.onError(error);
    } finally {
      for (const button of buttons) button.disabled = false;
      this.onDone();
    }
  }
}
