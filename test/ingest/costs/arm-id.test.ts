import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resourceGroupFromArmId, resourceNameFromArmId, resourceTypeFromArmId } from '../../../src/ingest/costs/arm-id.js';

describe('ARM resource ids', () => {
  const vmss = '/subscriptions/s/resourceGroups/MC_Analytics_EastUS/providers/Microsoft.Compute/virtualMachineScaleSets/aks-pool-vmss';

  it('reads the resource group case-insensitively and lower-cases it', () => {
    assert.equal(resourceGroupFromArmId(vmss), 'mc_analytics_eastus');
    assert.equal(resourceGroupFromArmId('/subscriptions/s/resourcegroups/Rg-C/providers/x/y/z'), 'rg-c');
    assert.equal(resourceGroupFromArmId('/providers/Microsoft.Capacity/reservationOrders/o/reservations/'), null);
    assert.equal(resourceGroupFromArmId('arn:aws:s3:::bucket/resourceGroups/x'), null);
  });

  it('reads type and name after the last providers segment, child types included', () => {
    assert.equal(resourceTypeFromArmId(vmss), 'Microsoft.Compute/virtualMachineScaleSets');
    assert.equal(resourceNameFromArmId(vmss), 'aks-pool-vmss');
    const child = `${vmss}/virtualMachines/3`;
    assert.equal(resourceTypeFromArmId(child), 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines');
    assert.equal(resourceNameFromArmId(child), '3');
  });

  it('has no name when the id stops at a type', () => {
    const reservation = '/providers/Microsoft.Capacity/reservationOrders/49ed/reservations/';
    assert.equal(resourceTypeFromArmId(reservation), 'Microsoft.Capacity/reservationOrders/reservations');
    assert.equal(resourceNameFromArmId(reservation), null);
    assert.equal(resourceTypeFromArmId('/subscriptions/s/resourceGroups/rg'), null);
  });
});
