/**
 * What Go's encoding writes for the zero value of kube 1.32's API structs: per definition, the
 * fields that are always present in JSON kube-apiserver compares — struct-typed fields (Go
 * writes them even when empty, `omitempty` has no effect on structs) and fields without
 * `omitempty`. Codes: o = a struct (its own entry applies), z = null (pointers, slices, maps,
 * metav1.Time, RawExtension), s = "", n = 0, b = false, d = "0s" (metav1.Duration), q = "0"
 * (Quantity).
 *
 * kube-apiserver computes managedFields on typed Go objects, so an object being created is
 * compared with this zero object, and every object carries these fields. The difference shows in
 * FieldsV1: `f:spec` never gets a "." (spec is always there) while `f:labels` does.
 *
 * Drafted by a throwaway script from the struct tags of k8s.io/api, apimachinery's meta/v1,
 * apiextensions-apiserver and kube-aggregator at v0.32.9 (List kinds left out), then checked
 * against this server's definitions (every name and field exists; every "o" field is a $ref).
 */
export const GO_ZERO = `
api.admissionregistration.v1.AuditAnnotation key=s valueExpression=s
api.admissionregistration.v1.ExpressionWarning fieldRef=s warning=s
api.admissionregistration.v1.MatchCondition name=s expression=s
api.admissionregistration.v1.MutatingWebhook name=s clientConfig=o sideEffects=z admissionReviewVersions=z
api.admissionregistration.v1.MutatingWebhookConfiguration metadata=o
api.admissionregistration.v1.ServiceReference namespace=s name=s
api.admissionregistration.v1.ValidatingAdmissionPolicy metadata=o spec=o status=o
api.admissionregistration.v1.ValidatingAdmissionPolicyBinding metadata=o spec=o
api.admissionregistration.v1.ValidatingWebhook name=s clientConfig=o sideEffects=z admissionReviewVersions=z
api.admissionregistration.v1.ValidatingWebhookConfiguration metadata=o
api.admissionregistration.v1.Validation expression=s
api.admissionregistration.v1.Variable name=s expression=s
api.apps.v1.ControllerRevision metadata=o data=z revision=n
api.apps.v1.DaemonSet metadata=o spec=o status=o
api.apps.v1.DaemonSetCondition type=s status=s lastTransitionTime=z
api.apps.v1.DaemonSetSpec selector=z template=o updateStrategy=o
api.apps.v1.DaemonSetStatus currentNumberScheduled=n numberMisscheduled=n desiredNumberScheduled=n numberReady=n
api.apps.v1.Deployment metadata=o spec=o status=o
api.apps.v1.DeploymentCondition type=s status=s lastUpdateTime=z lastTransitionTime=z
api.apps.v1.DeploymentSpec selector=z template=o strategy=o
api.apps.v1.ReplicaSet metadata=o spec=o status=o
api.apps.v1.ReplicaSetCondition type=s status=s lastTransitionTime=z
api.apps.v1.ReplicaSetSpec selector=z template=o
api.apps.v1.ReplicaSetStatus replicas=n
api.apps.v1.StatefulSet metadata=o spec=o status=o
api.apps.v1.StatefulSetCondition type=s status=s lastTransitionTime=z
api.apps.v1.StatefulSetOrdinals start=n
api.apps.v1.StatefulSetSpec selector=z template=o serviceName=s updateStrategy=o
api.apps.v1.StatefulSetStatus replicas=n availableReplicas=n
api.authentication.v1.SelfSubjectReview metadata=o status=o
api.authentication.v1.SelfSubjectReviewStatus userInfo=o
api.authentication.v1.TokenRequest metadata=o spec=o status=o
api.authentication.v1.TokenRequestSpec audiences=z expirationSeconds=z boundObjectRef=z
api.authentication.v1.TokenRequestStatus token=s expirationTimestamp=z
api.authentication.v1.TokenReview metadata=o spec=o status=o
api.authentication.v1.TokenReviewStatus user=o
api.authorization.v1.LocalSubjectAccessReview metadata=o spec=o status=o
api.authorization.v1.NonResourceRule verbs=z
api.authorization.v1.ResourceRule verbs=z
api.authorization.v1.SelfSubjectAccessReview metadata=o spec=o status=o
api.authorization.v1.SelfSubjectRulesReview metadata=o spec=o status=o
api.authorization.v1.SubjectAccessReview metadata=o spec=o status=o
api.authorization.v1.SubjectAccessReviewStatus allowed=b
api.authorization.v1.SubjectRulesReviewStatus resourceRules=z nonResourceRules=z incomplete=b
api.autoscaling.v1.CrossVersionObjectReference kind=s name=s
api.autoscaling.v1.HorizontalPodAutoscaler metadata=o spec=o status=o
api.autoscaling.v1.HorizontalPodAutoscalerSpec scaleTargetRef=o maxReplicas=n
api.autoscaling.v1.HorizontalPodAutoscalerStatus currentReplicas=n desiredReplicas=n
api.autoscaling.v1.Scale metadata=o spec=o status=o
api.autoscaling.v1.ScaleStatus replicas=n
api.autoscaling.v2.ContainerResourceMetricSource name=s target=o container=s
api.autoscaling.v2.ContainerResourceMetricStatus name=s current=o container=s
api.autoscaling.v2.CrossVersionObjectReference kind=s name=s
api.autoscaling.v2.ExternalMetricSource metric=o target=o
api.autoscaling.v2.ExternalMetricStatus metric=o current=o
api.autoscaling.v2.HPAScalingPolicy type=s value=n periodSeconds=n
api.autoscaling.v2.HorizontalPodAutoscaler metadata=o spec=o status=o
api.autoscaling.v2.HorizontalPodAutoscalerCondition type=s status=s lastTransitionTime=z
api.autoscaling.v2.HorizontalPodAutoscalerSpec scaleTargetRef=o maxReplicas=n
api.autoscaling.v2.HorizontalPodAutoscalerStatus desiredReplicas=n currentMetrics=z
api.autoscaling.v2.MetricIdentifier name=s
api.autoscaling.v2.MetricSpec type=s
api.autoscaling.v2.MetricStatus type=s
api.autoscaling.v2.MetricTarget type=s
api.autoscaling.v2.ObjectMetricSource describedObject=o target=o metric=o
api.autoscaling.v2.ObjectMetricStatus metric=o current=o describedObject=o
api.autoscaling.v2.PodsMetricSource metric=o target=o
api.autoscaling.v2.PodsMetricStatus metric=o current=o
api.autoscaling.v2.ResourceMetricSource name=s target=o
api.autoscaling.v2.ResourceMetricStatus name=s current=o
api.batch.v1.CronJob metadata=o spec=o status=o
api.batch.v1.CronJobSpec schedule=s jobTemplate=o
api.batch.v1.Job metadata=o spec=o status=o
api.batch.v1.JobCondition type=s status=s lastProbeTime=z lastTransitionTime=z
api.batch.v1.JobSpec template=o
api.batch.v1.JobTemplateSpec metadata=o spec=o
api.batch.v1.PodFailurePolicy rules=z
api.batch.v1.PodFailurePolicyOnExitCodesRequirement operator=s values=z
api.batch.v1.PodFailurePolicyOnPodConditionsPattern type=s status=s
api.batch.v1.PodFailurePolicyRule action=s
api.batch.v1.SuccessPolicy rules=z
api.certificates.v1.CertificateSigningRequest metadata=o spec=o status=o
api.certificates.v1.CertificateSigningRequestCondition type=s status=s lastUpdateTime=z lastTransitionTime=z
api.certificates.v1.CertificateSigningRequestSpec request=z signerName=s
api.coordination.v1.Lease metadata=o spec=o
api.core.v1.AWSElasticBlockStoreVolumeSource volumeID=s
api.core.v1.AppArmorProfile type=s
api.core.v1.AttachedVolume name=s devicePath=s
api.core.v1.AzureDiskVolumeSource diskName=s diskURI=s
api.core.v1.AzureFilePersistentVolumeSource secretName=s shareName=s secretNamespace=z
api.core.v1.AzureFileVolumeSource secretName=s shareName=s
api.core.v1.Binding metadata=o target=o
api.core.v1.CSIPersistentVolumeSource driver=s volumeHandle=s
api.core.v1.CSIVolumeSource driver=s
api.core.v1.CephFSPersistentVolumeSource monitors=z
api.core.v1.CephFSVolumeSource monitors=z
api.core.v1.CinderPersistentVolumeSource volumeID=s
api.core.v1.CinderVolumeSource volumeID=s
api.core.v1.ClusterTrustBundleProjection path=s
api.core.v1.ComponentCondition type=s status=s
api.core.v1.ComponentStatus metadata=o
api.core.v1.ConfigMap metadata=o
api.core.v1.ConfigMapKeySelector key=s
api.core.v1.ConfigMapNodeConfigSource namespace=s name=s kubeletConfigKey=s
api.core.v1.Container name=s resources=o
api.core.v1.ContainerImage names=z
api.core.v1.ContainerPort containerPort=n
api.core.v1.ContainerResizePolicy resourceName=s restartPolicy=s
api.core.v1.ContainerStateRunning startedAt=z
api.core.v1.ContainerStateTerminated exitCode=n startedAt=z finishedAt=z
api.core.v1.ContainerStatus name=s state=o lastState=o ready=b restartCount=n image=s imageID=s
api.core.v1.DaemonEndpoint Port=n
api.core.v1.DownwardAPIVolumeFile path=s
api.core.v1.EndpointAddress ip=s
api.core.v1.EndpointPort port=n
api.core.v1.Endpoints metadata=o
api.core.v1.EnvVar name=s
api.core.v1.EphemeralContainer name=s resources=o
api.core.v1.Event metadata=o involvedObject=o source=o firstTimestamp=z lastTimestamp=z eventTime=z reportingComponent=s reportingInstance=s
api.core.v1.EventSeries lastObservedTime=z
api.core.v1.FlexPersistentVolumeSource driver=s
api.core.v1.FlexVolumeSource driver=s
api.core.v1.GCEPersistentDiskVolumeSource pdName=s
api.core.v1.GRPCAction port=n service=z
api.core.v1.GitRepoVolumeSource repository=s
api.core.v1.GlusterfsPersistentVolumeSource endpoints=s path=s
api.core.v1.GlusterfsVolumeSource endpoints=s path=s
api.core.v1.HTTPGetAction port=n
api.core.v1.HTTPHeader name=s value=s
api.core.v1.HostAlias ip=s
api.core.v1.HostIP ip=s
api.core.v1.HostPathVolumeSource path=s
api.core.v1.ISCSIPersistentVolumeSource targetPortal=s iqn=s lun=n
api.core.v1.ISCSIVolumeSource targetPortal=s iqn=s lun=n
api.core.v1.KeyToPath key=s path=s
api.core.v1.LimitRange metadata=o spec=o
api.core.v1.LimitRangeItem type=s
api.core.v1.LimitRangeSpec limits=z
api.core.v1.LinuxContainerUser uid=n gid=n
api.core.v1.LocalVolumeSource path=s
api.core.v1.ModifyVolumeStatus status=s
api.core.v1.NFSVolumeSource server=s path=s
api.core.v1.Namespace metadata=o spec=o status=o
api.core.v1.NamespaceCondition type=s status=s lastTransitionTime=z
api.core.v1.Node metadata=o spec=o status=o
api.core.v1.NodeAddress type=s address=s
api.core.v1.NodeCondition type=s status=s lastHeartbeatTime=z lastTransitionTime=z
api.core.v1.NodeDaemonEndpoints kubeletEndpoint=o
api.core.v1.NodeRuntimeHandler name=s
api.core.v1.NodeSelector nodeSelectorTerms=z
api.core.v1.NodeSelectorRequirement key=s operator=s
api.core.v1.NodeStatus daemonEndpoints=o nodeInfo=o
api.core.v1.NodeSystemInfo machineID=s systemUUID=s bootID=s kernelVersion=s osImage=s containerRuntimeVersion=s kubeletVersion=s kubeProxyVersion=s operatingSystem=s architecture=s
api.core.v1.ObjectFieldSelector fieldPath=s
api.core.v1.PersistentVolume metadata=o spec=o status=o
api.core.v1.PersistentVolumeClaim metadata=o spec=o status=o
api.core.v1.PersistentVolumeClaimCondition type=s status=s lastProbeTime=z lastTransitionTime=z
api.core.v1.PersistentVolumeClaimSpec resources=o
api.core.v1.PersistentVolumeClaimTemplate metadata=o spec=o
api.core.v1.PersistentVolumeClaimVolumeSource claimName=s
api.core.v1.PhotonPersistentDiskVolumeSource pdID=s
api.core.v1.Pod metadata=o spec=o status=o
api.core.v1.PodAffinityTerm topologyKey=s
api.core.v1.PodCondition type=s status=s lastProbeTime=z lastTransitionTime=z
api.core.v1.PodIP ip=s
api.core.v1.PodOS name=s
api.core.v1.PodReadinessGate conditionType=s
api.core.v1.PodResourceClaim name=s
api.core.v1.PodResourceClaimStatus name=s
api.core.v1.PodSchedulingGate name=s
api.core.v1.PodSpec containers=z
api.core.v1.PodTemplate metadata=o template=o
api.core.v1.PodTemplateSpec metadata=o spec=o
api.core.v1.PortStatus port=n protocol=s
api.core.v1.PortworxVolumeSource volumeID=s
api.core.v1.PreferredSchedulingTerm weight=n preference=o
api.core.v1.ProjectedVolumeSource sources=z
api.core.v1.QuobyteVolumeSource registry=s volume=s
api.core.v1.RBDPersistentVolumeSource monitors=z image=s
api.core.v1.RBDVolumeSource monitors=z image=s
api.core.v1.ReplicationController metadata=o spec=o status=o
api.core.v1.ReplicationControllerCondition type=s status=s lastTransitionTime=z
api.core.v1.ReplicationControllerStatus replicas=n
api.core.v1.ResourceClaim name=s
api.core.v1.ResourceFieldSelector resource=s divisor=q
api.core.v1.ResourceHealth resourceID=s
api.core.v1.ResourceQuota metadata=o spec=o status=o
api.core.v1.ResourceStatus name=s
api.core.v1.ScaleIOPersistentVolumeSource gateway=s system=s secretRef=z
api.core.v1.ScaleIOVolumeSource gateway=s system=s secretRef=z
api.core.v1.ScopedResourceSelectorRequirement scopeName=s operator=s
api.core.v1.SeccompProfile type=s
api.core.v1.Secret metadata=o
api.core.v1.SecretKeySelector key=s
api.core.v1.Service metadata=o spec=o status=o
api.core.v1.ServiceAccount metadata=o
api.core.v1.ServiceAccountTokenProjection path=s
api.core.v1.ServicePort port=n targetPort=n
api.core.v1.ServiceStatus loadBalancer=o
api.core.v1.SleepAction seconds=n
api.core.v1.Sysctl name=s value=s
api.core.v1.TCPSocketAction port=n
api.core.v1.Taint key=s effect=s
api.core.v1.TopologySelectorLabelRequirement key=s values=z
api.core.v1.TopologySpreadConstraint maxSkew=n topologyKey=s whenUnsatisfiable=s
api.core.v1.TypedLocalObjectReference apiGroup=z kind=s name=s
api.core.v1.TypedObjectReference apiGroup=z kind=s name=s
api.core.v1.Volume name=s
api.core.v1.VolumeDevice name=s devicePath=s
api.core.v1.VolumeMount name=s mountPath=s
api.core.v1.VolumeMountStatus name=s mountPath=s
api.core.v1.VsphereVirtualDiskVolumeSource volumePath=s
api.core.v1.WeightedPodAffinityTerm weight=n podAffinityTerm=o
api.discovery.v1.Endpoint addresses=z conditions=o
api.discovery.v1.EndpointSlice metadata=o addressType=s endpoints=z ports=z
api.discovery.v1.ForZone name=s
api.events.v1.Event metadata=o eventTime=z regarding=o deprecatedSource=o deprecatedFirstTimestamp=z deprecatedLastTimestamp=z
api.events.v1.EventSeries count=n lastObservedTime=z
api.flowcontrol.v1.FlowDistinguisherMethod type=s
api.flowcontrol.v1.FlowSchema metadata=o spec=o status=o
api.flowcontrol.v1.FlowSchemaCondition lastTransitionTime=z
api.flowcontrol.v1.FlowSchemaSpec priorityLevelConfiguration=o matchingPrecedence=n
api.flowcontrol.v1.GroupSubject name=s
api.flowcontrol.v1.LimitResponse type=s
api.flowcontrol.v1.LimitedPriorityLevelConfiguration nominalConcurrencyShares=z limitResponse=o
api.flowcontrol.v1.NonResourcePolicyRule verbs=z nonResourceURLs=z
api.flowcontrol.v1.PolicyRulesWithSubjects subjects=z
api.flowcontrol.v1.PriorityLevelConfiguration metadata=o spec=o status=o
api.flowcontrol.v1.PriorityLevelConfigurationCondition lastTransitionTime=z
api.flowcontrol.v1.PriorityLevelConfigurationReference name=s
api.flowcontrol.v1.PriorityLevelConfigurationSpec type=s
api.flowcontrol.v1.QueuingConfiguration queues=n handSize=n queueLengthLimit=n
api.flowcontrol.v1.ResourcePolicyRule verbs=z apiGroups=z resources=z namespaces=z
api.flowcontrol.v1.ServiceAccountSubject namespace=s name=s
api.flowcontrol.v1.Subject kind=s
api.flowcontrol.v1.UserSubject name=s
api.networking.v1.HTTPIngressPath pathType=z backend=o
api.networking.v1.HTTPIngressRuleValue paths=z
api.networking.v1.IPBlock cidr=s
api.networking.v1.Ingress metadata=o spec=o status=o
api.networking.v1.IngressClass metadata=o spec=o
api.networking.v1.IngressClassParametersReference kind=s name=s scope=z
api.networking.v1.IngressPortStatus port=n protocol=s
api.networking.v1.IngressServiceBackend name=s port=o
api.networking.v1.IngressStatus loadBalancer=o
api.networking.v1.NetworkPolicy metadata=o spec=o
api.networking.v1.NetworkPolicySpec podSelector=o
api.node.v1.RuntimeClass metadata=o handler=s
api.policy.v1.Eviction metadata=o
api.policy.v1.PodDisruptionBudget metadata=o spec=o status=o
api.policy.v1.PodDisruptionBudgetStatus disruptionsAllowed=n currentHealthy=n desiredHealthy=n expectedPods=n
api.rbac.v1.ClusterRole metadata=o rules=z
api.rbac.v1.ClusterRoleBinding metadata=o roleRef=o
api.rbac.v1.PolicyRule verbs=z
api.rbac.v1.Role metadata=o rules=z
api.rbac.v1.RoleBinding metadata=o roleRef=o
api.rbac.v1.RoleRef apiGroup=s kind=s name=s
api.rbac.v1.Subject kind=s name=s
api.scheduling.v1.PriorityClass metadata=o value=n
api.storage.v1.CSIDriver metadata=o spec=o
api.storage.v1.CSINode metadata=o spec=o
api.storage.v1.CSINodeDriver name=s nodeID=s topologyKeys=z
api.storage.v1.CSINodeSpec drivers=z
api.storage.v1.CSIStorageCapacity metadata=o storageClassName=s
api.storage.v1.StorageClass metadata=o provisioner=s
api.storage.v1.TokenRequest audience=s
api.storage.v1.VolumeAttachment metadata=o spec=o status=o
api.storage.v1.VolumeAttachmentSpec attacher=s source=o nodeName=s
api.storage.v1.VolumeAttachmentStatus attached=b
api.storage.v1.VolumeError time=z
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceColumnDefinition name=s type=s jsonPath=s
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceConversion strategy=s
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition metadata=o spec=o status=o
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionCondition type=s status=s lastTransitionTime=z
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionNames plural=s kind=s
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionSpec group=s names=o scope=s versions=z
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionStatus conditions=z acceptedNames=o storedVersions=z
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinitionVersion name=s served=b storage=b
apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceSubresourceScale specReplicasPath=s statusReplicasPath=s
apiextensions-apiserver.pkg.apis.apiextensions.v1.SelectableField jsonPath=s
apiextensions-apiserver.pkg.apis.apiextensions.v1.ServiceReference namespace=s name=s
apiextensions-apiserver.pkg.apis.apiextensions.v1.ValidationRule rule=s
apiextensions-apiserver.pkg.apis.apiextensions.v1.WebhookConversion conversionReviewVersions=z
apimachinery.pkg.apis.meta.v1.APIGroup name=s versions=z preferredVersion=o
apimachinery.pkg.apis.meta.v1.APIResource name=s singularName=s namespaced=b kind=s verbs=z
apimachinery.pkg.apis.meta.v1.APIVersions versions=z serverAddressByClientCIDRs=z
apimachinery.pkg.apis.meta.v1.Condition type=s status=s lastTransitionTime=z reason=s message=s
apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement key=s operator=s
apimachinery.pkg.apis.meta.v1.GroupVersionForDiscovery groupVersion=s version=s
apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement key=s operator=s
apimachinery.pkg.apis.meta.v1.ObjectMeta creationTimestamp=z
apimachinery.pkg.apis.meta.v1.OwnerReference apiVersion=s kind=s name=s uid=s
apimachinery.pkg.apis.meta.v1.ServerAddressByClientCIDR clientCIDR=s serverAddress=s
apimachinery.pkg.apis.meta.v1.Status metadata=o
kube-aggregator.pkg.apis.apiregistration.v1.APIService metadata=o spec=o status=o
kube-aggregator.pkg.apis.apiregistration.v1.APIServiceCondition type=s status=s lastTransitionTime=z
kube-aggregator.pkg.apis.apiregistration.v1.APIServiceSpec groupPriorityMinimum=n versionPriority=n
`;
