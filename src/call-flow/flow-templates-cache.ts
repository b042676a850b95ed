import { Injectable } from '@nestjs/common';
import { CallFlow } from './call-flow.types';
import { FlowTemplates, messagePathsOf } from './message-templates';

const MAX_CAMPAIGNS = 1000;

/**
 * Compiled templates per campaign, for rendering each call's messages when it is dialed
 * (submission renders them once to validate, without storing them). Least recently used out first.
 * The same rules as at submission: a stored flow that would no longer be accepted does not compile, and a
 * destination whose messages cannot be rendered (or say nothing) is not dialed; both name the message path.
 */
@Injectable()
export class FlowTemplatesCache {
  private readonly byCampaign = new Map<string, FlowTemplates>();

  get(campaignId: string, flow: CallFlow): FlowTemplates {
    let templates = this.byCampaign.get(campaignId);
    if (templates) {
      this.byCampaign.delete(campaignId);
    } else {
      const compiled = FlowTemplates.compile(flow, messagePathsOf(flow));
      if (!compiled.templates) throw new Error(`stored flow of campaign ${campaignId} does not compile: ${compiled.errors[0]?.field} ${compiled.errors[0]?.message}`);
      templates = compiled.templates;
      if (this.byCampaign.size >= MAX_CAMPAIGNS) this.byCampaign.delete(this.byCampaign.keys().next().value!);
    }
    this.byCampaign.set(campaignId, templates);
    return templates;
  }
}
